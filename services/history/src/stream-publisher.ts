import type { Bus, Subscription } from '@trading-system/bus';
import {
  type HistEnd,
  type HistProgress,
  type HistStreamAck,
  type Instrument,
  MAX_PAYLOAD_BYTES,
  type MissingRange,
  Subjects,
} from '@trading-system/contracts';
import { HistoryError } from './errors.js';

const encoder = new TextEncoder();

/** How long a flow-controlled stream waits for the requester to acknowledge a chunk before it gives up, ms. */
export const ACK_TIMEOUT_MS = 30_000;

/**
 * Publishes one request's stream on `hist.stream.<requestId>`: data chunks in index order, progress at most once
 * per `progressEveryMs`, and exactly one `end`. Chunks built from stored bars are serialised without a per-bar
 * object (`publishBarsJson`, via publishRaw: the rows were validated when stored; the receiver validates again).
 */
export class StreamPublisher {
  readonly subject: string;
  private index = 0;
  private rows = 0;
  private lastProgressMs = Number.NEGATIVE_INFINITY;
  private ended = false;
  /** Wall time for `elapsedMs` (monotonic; independent of the injected clock, which tests pin). */
  private readonly startedAt = performance.now();
  /** Flow control (HistBarsRequest.window): chunks that may be unacknowledged, the highest acknowledged index. */
  private window = Number.POSITIVE_INFINITY;
  private acked = -1;
  private ackSub: Subscription | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly bus: Bus,
    readonly requestId: string,
    private readonly now: () => number,
    private readonly progressEveryMs = 1_000,
  ) {
    this.subject = Subjects.histStream.build({ requestId });
  }

  /**
   * From now on at most `window` data chunks go out beyond the last one the requester acknowledged on
   * `hist.ack.<requestId>` (see `ready`). Subscribed before the first chunk is published, on the connection that
   * publishes it, so NATS has the subscription before the requester can see a chunk to acknowledge.
   */
  flowControl(window: number, ackTimeoutMs = ACK_TIMEOUT_MS): void {
    this.window = window;
    this.ackTimeoutMs = ackTimeoutMs;
    this.ackSub = this.bus.subscribe<HistStreamAck>(Subjects.histAck.build({ requestId: this.requestId }), (m) => {
      if (m.data.index <= this.acked) return;
      this.acked = m.data.index;
      this.wake?.();
    });
  }

  private ackTimeoutMs = ACK_TIMEOUT_MS;

  /**
   * Resolves when the next data chunk may go out: at once without flow control, else once fewer than `window`
   * published chunks are unacknowledged. Rejects with TIMEOUT when no acknowledgement comes for ackTimeoutMs (the
   * requester went away): the stream ends with that error instead of waiting for ever.
   */
  async ready(): Promise<void> {
    while (this.index - 1 - this.acked >= this.window) {
      const acked = this.acked;
      let timer: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          this.wake = resolve;
          timer = setTimeout(
            () =>
              reject(
                new HistoryError('TIMEOUT', `no acknowledgement of chunk ${acked + 1} for ${this.ackTimeoutMs} ms`),
              ),
            this.ackTimeoutMs,
          );
        });
      } finally {
        clearTimeout(timer);
        this.wake = undefined;
      }
    }
  }

  get chunks(): number {
    return this.index;
  }

  /** Bars published so far on this stream. */
  get barsPublished(): number {
    return this.rows;
  }

  publishBarsJson(instrument: Instrument, timeframe: string, barsJson: string, n: number): void {
    const head = JSON.stringify({
      v: 1,
      requestId: this.requestId,
      type: 'bars',
      index: this.index,
      instrument,
      timeframe,
    });
    const text = `${head.slice(0, -1)},"bars":[${barsJson}]}`;
    const bytes = encoder.encode(text);
    if (bytes.byteLength > MAX_PAYLOAD_BYTES - 4_096)
      throw new HistoryError('PAYLOAD_TOO_LARGE', `bars chunk of ${bytes.byteLength} bytes exceeds the payload limit`);
    this.bus.publishRaw(this.subject, bytes);
    this.index += 1;
    this.rows += n;
  }

  /**
   * A `bars-packed` or `bars-delta` chunk of `n` bars whose rows are `parts` joined by ';' (`barsAtMost`: the
   * stream's bound, for the first chunk). Packed rows hold only digits and `-.,;`
   * (no JSON escaping needed, one byte per character), so each part is copied once, straight into the bytes.
   */
  publishPackedBars(
    type: 'bars-packed' | 'bars-delta',
    instrument: Instrument,
    timeframe: string,
    parts: readonly string[],
    n: number,
    barsAtMost?: number,
  ): void {
    const head = JSON.stringify({
      v: 1,
      requestId: this.requestId,
      type,
      index: this.index,
      instrument,
      timeframe,
      count: n,
      barsAtMost,
    });
    const open = encoder.encode(`${head.slice(0, -1)},"rows":"`);
    let size = open.byteLength + 2 + Math.max(0, parts.length - 1);
    for (const p of parts) size += p.length;
    const bytes = Buffer.allocUnsafe(size);
    bytes.set(open, 0);
    let at = open.byteLength;
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) bytes[at++] = 59; // ';'
      at += bytes.write(parts[i] as string, at, 'latin1');
    }
    bytes[at++] = 34; // '"'
    bytes[at] = 125; // '}'
    if (bytes.byteLength > MAX_PAYLOAD_BYTES - 4_096)
      throw new HistoryError('PAYLOAD_TOO_LARGE', `bars chunk of ${bytes.byteLength} bytes exceeds the payload limit`);
    this.bus.publishRaw(this.subject, bytes);
    this.index += 1;
    this.rows += n;
  }

  publishBars(instrument: Instrument, timeframe: string, bars: readonly unknown[]): void {
    this.bus.publish(this.subject, {
      v: 1,
      requestId: this.requestId,
      type: 'bars',
      index: this.index,
      instrument,
      timeframe,
      bars,
    });
    this.index += 1;
    this.rows += bars.length;
  }

  publishText(contentType: string, data: string, rows: number): void {
    this.bus.publish(this.subject, {
      v: 1,
      requestId: this.requestId,
      type: 'text',
      index: this.index,
      contentType,
      data,
    });
    this.index += 1;
    this.rows += rows;
  }

  /** Progress, throttled; `force` for the first and last report. */
  progress(chunksDone: number, chunksTotal: number, etaMs: number | undefined, force = false): void {
    const now = this.now();
    if (!force && now - this.lastProgressMs < this.progressEveryMs) return;
    this.lastProgressMs = now;
    const msg: HistProgress = { v: 1, requestId: this.requestId, type: 'progress', chunksDone, chunksTotal };
    if (etaMs !== undefined) msg.etaMs = Math.max(0, Math.round(etaMs));
    this.bus.publish(this.subject, msg);
  }

  end(missing: readonly MissingRange[], error?: HistEnd['error']): void {
    if (this.ended) return;
    this.ended = true;
    this.ackSub?.unsubscribe();
    const msg: HistEnd = {
      v: 1,
      requestId: this.requestId,
      type: 'end',
      chunks: this.index,
      rows: this.rows,
      partial: missing.length > 0 || error !== undefined,
      missing: [...missing],
      elapsedMs: Math.max(0, Math.round(performance.now() - this.startedAt)),
    };
    if (error !== undefined) msg.error = error;
    this.bus.publish(this.subject, msg);
  }
}
