/**
 * One client connection: negotiated server version, clientId, per-connection settings (market data type),
 * the resources it holds (subscriptions, timers) and its outgoing queue. Closing a session releases
 * everything it holds; nothing a session owns outlives its socket (clients re-subscribe after reconnect).
 */
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import * as enc from '../wire/encoders.js';
import { encodeFrame } from '../wire/framing.js';

export type SessionState = 'handshake' | 'awaiting-start' | 'ready' | 'closed';

/** Above this many unsent bytes the client is not reading; TWS drops such clients too. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export class Session {
  state: SessionState = 'handshake';
  serverVersion = 0;
  clientId: number | undefined;
  connectOptions = '';
  /** reqMarketDataType: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. */
  marketDataType = 1;
  /** Sim-wide reply delay (control surface); applied per message, order preserved. */
  replyDelayMs = 0;
  private readonly resources = new Map<string, () => void>();
  /**
   * Frames held back by the reply delay, in send order, each with the time it is due: one timer drains them from
   * the front. A timer per frame (as before) could fire out of order once the delay dropped while frames were still
   * held — the later ones got the same due time with shorter timeouts, and Node orders equal expiries of different
   * timeouts as it likes — and TWS never reorders a connection's messages (a snapshot's end overtook its ticks).
   */
  private readonly held: Array<{ readonly dueMs: number; readonly frame: Buffer }> = [];
  private heldTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly closeListeners: Array<(reason: string) => void> = [];

  constructor(
    readonly connectionId: number,
    readonly socket: Socket,
    readonly log: Logger,
  ) {}

  get closed(): boolean {
    return this.state === 'closed';
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /** True when the client is not keeping up (high-rate streams skip ticks rather than buffer without end). */
  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  send(fields: enc.Fields): void {
    if (this.state === 'closed') return;
    const frame = encodeFrame(fields);
    if (this.replyDelayMs <= 0 && this.held.length === 0) {
      this.write(frame);
      return;
    }
    const dueMs = Math.max(this.held.at(-1)?.dueMs ?? 0, Date.now() + this.replyDelayMs);
    this.held.push({ dueMs, frame });
    this.armHeld();
  }

  private armHeld(): void {
    const first = this.held[0];
    if (first === undefined || this.heldTimer !== undefined) return;
    this.heldTimer = setTimeout(
      () => {
        this.heldTimer = undefined;
        const now = Date.now();
        while (this.held[0] !== undefined && this.held[0].dueMs <= now)
          this.write((this.held.shift() as { frame: Buffer }).frame);
        this.armHeld();
      },
      Math.max(0, first.dueMs - Date.now()),
    );
  }

  private write(frame: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    if (this.socket.writableLength > MAX_BUFFERED_BYTES) {
      this.close('client does not read its socket');
      return;
    }
    this.socket.write(frame);
  }

  error(reqId: number, code: number, text: string): void {
    this.send(enc.errorMessage(reqId, code, text));
  }

  /** Keeps a cleanup for a resource (subscription) under a key such as `mkt:5`. Replaces nothing. */
  hold(key: string, release: () => void): void {
    this.resources.set(key, release);
  }

  holds(key: string): boolean {
    return this.resources.has(key);
  }

  /** Releases one resource; false when the key is unknown. */
  release(key: string): boolean {
    const release = this.resources.get(key);
    if (!release) return false;
    this.resources.delete(key);
    release();
    return true;
  }

  keys(prefix: string): string[] {
    return [...this.resources.keys()].filter((k) => k.startsWith(prefix));
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** Closes the socket after flushing what was queued; releases every resource. Idempotent. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.heldTimer);
    this.held.length = 0;
    this.log.info({ reason, clientId: this.clientId }, 'session closed');
    for (const key of [...this.resources.keys()]) this.release(key);
    for (const listener of this.closeListeners) listener(reason);
    this.socket.end();
    // A client that never reads would keep the half-closed socket forever.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }
}
