/**
 * The TCP front: accepts up to `maxClients` sockets, runs the `API\0` handshake and version negotiation,
 * START_API with clientId uniqueness, the 50 msg/s limit, and dispatches every later message through the
 * handler table. A malformed message earns TWS's 320 and a closed socket; no client input can crash the
 * server (every handler runs inside a guard that logs and answers instead).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { zoneAbbreviation } from '@trading-system/contracts';
import { formatTwsTime } from '../history/dates.js';
import * as enc from '../wire/encoders.js';
import { FieldReader, MessageParseError } from '../wire/fields.js';
import { FrameDecoder, FramingError, parseHandshake, splitFields } from '../wire/framing.js';
import { IN, SERVER_VERSION_MAX, SERVER_VERSION_MIN } from '../wire/message-ids.js';
import type { HandlerRegistry } from './dispatcher.js';
import { type CountedMessage, RateLimiter } from './rate-limiter.js';
import { Session } from './session.js';
import type { SimContext } from './sim-context.js';
import { noticeText, readError, TWS_ERRORS } from './tws-errors.js';
import { answerUnsupported } from './unsupported-requests.js';

/** Farm notices real TWS sends right after START_API (spec §1.3). */
const CONNECT_NOTICES: ReadonlyArray<[number, string]> = [
  [2104, 'usfarm'],
  [2104, 'cashfarm'],
  [2104, 'usfuture'],
  [2104, 'usopt'],
  [2106, 'ushmds'],
  [2106, 'cashhmds'],
  [2158, 'secdefnj'],
];

export class TwsServer {
  private readonly server: Server;
  private connectionSerial = 0;

  constructor(
    private readonly sim: SimContext,
    private readonly registry: HandlerRegistry,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(port: number, host: string): Promise<{ port: number; host: string }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        // From here on an error is the server's own; a refused listen (EADDRINUSE) before it is the caller's to
        // report or handle (the embedded runtime falls back to a free port), not a level-50 line of ours.
        this.server.on('error', (err) => this.sim.log.error({ err }, 'server error'));
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('server has no TCP address'));
          return;
        }
        resolve({ port: address.port, host: address.address });
      });
    });
  }

  close(): Promise<void> {
    for (const session of this.sim.sessions) session.close('server stopping');
    for (const session of this.sim.sessions) session.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const connectionId = ++this.connectionSerial;
    const log = this.sim.log.child({ connectionId });
    if (this.sim.sessions.size >= this.sim.settings.maxClients) {
      log.warn({ remote: socket.remoteAddress }, 'refusing connection: client limit reached');
      socket.destroy();
      return;
    }
    const session = new Session(connectionId, socket, log);
    session.replyDelayMs = this.sim.replyDelayMs;
    this.sim.sessions.add(session);
    const limiter = new RateLimiter(this.sim.settings.maxMessagesPerSecond);
    const frames = new FrameDecoder();
    let hello = Buffer.alloc(0);
    let reads = 0;
    socket.on('data', (chunk: Buffer) => {
      reads++;
      try {
        if (session.state === 'closed') return;
        if (session.state === 'handshake') {
          hello = Buffer.concat([hello, chunk]);
          const result = parseHandshake(hello);
          if (result.kind === 'incomplete') return;
          if (result.kind === 'invalid') {
            log.warn({ reason: result.reason }, 'bad handshake');
            session.close(result.reason);
            return;
          }
          if (!this.negotiate(session, result.hello.minVersion, result.hello.maxVersion)) return;
          session.connectOptions = result.hello.connectOptions;
          chunk = result.rest;
        }
        for (const payload of frames.push(chunk)) {
          if (session.closed) return;
          this.onMessage(session, payload, limiter, reads);
        }
      } catch (err) {
        if (err instanceof FramingError) {
          log.warn({ err }, 'framing error');
          session.error(-1, 320, readError('?', err.message).text);
          session.close('framing error');
          return;
        }
        log.error({ err }, 'unexpected error on client data');
        session.close('internal error');
      }
    });
    socket.on('error', (err) => log.debug({ err }, 'socket error'));
    socket.on('close', () => {
      session.close('socket closed');
      this.sim.sessions.delete(session);
    });
  }

  /** Picks min(clientMax, 178); refuses a client whose range cannot meet 176..178. */
  private negotiate(session: Session, min: number, max: number): boolean {
    const chosen = Math.min(max, SERVER_VERSION_MAX);
    if (chosen < Math.max(min, SERVER_VERSION_MIN)) {
      session.log.warn({ min, max }, 'client version range not served');
      session.close(`client versions ${min}..${max} outside ${SERVER_VERSION_MIN}..${SERVER_VERSION_MAX}`);
      return false;
    }
    session.serverVersion = chosen;
    session.state = 'awaiting-start';
    const now = this.sim.clock.now();
    const zone = this.sim.settings.twsTimeZone;
    session.send(enc.serverHello(chosen, formatTwsTime(now, zone, zoneAbbreviation(zone, now))));
    session.log.info({ serverVersion: chosen, min, max }, 'handshake');
    return true;
  }

  private onMessage(session: Session, payload: Buffer, limiter: RateLimiter, read: number): void {
    const verdict = limiter.hit(Date.now(), leadingMessageId(payload), read);
    this.sim.rate.note(session.clientId, limiter, verdict);
    if (verdict === 'warn') {
      session.error(-1, TWS_ERRORS.rateExceeded.code, TWS_ERRORS.rateExceeded.text);
      session.log.warn(
        { clientId: session.clientId, ...describeWindow(limiter.inWindow()) },
        'client message rate over the limit: error 100',
      );
    }
    if (verdict === 'disconnect') {
      session.close('sustained message rate above limit');
      return;
    }
    let fields: string[];
    try {
      fields = splitFields(payload);
    } catch (err) {
      session.log.warn({ err }, 'unparseable message');
      session.error(-1, 320, readError('?', 'message not NUL-terminated').text);
      session.close('malformed message');
      return;
    }
    const idText = fields[0] ?? '';
    if (!/^\d+$/.test(idText)) {
      session.error(-1, 320, readError(idText, `For input string: "${idText}"`).text);
      session.close('malformed message id');
      return;
    }
    const messageId = Number(idText);
    const reader = new FieldReader(fields, messageId);
    try {
      if (session.state === 'awaiting-start') {
        if (messageId !== IN.START_API) {
          session.log.warn({ messageId }, 'message before START_API ignored');
          return;
        }
        this.startApi(session, reader);
        return;
      }
      this.sim.received.set(messageId, (this.sim.received.get(messageId) ?? 0) + 1);
      const handler = this.registry.get(messageId);
      if (!handler) {
        answerUnsupported(session, messageId, reader);
        return;
      }
      handler(session, reader, this.sim);
    } catch (err) {
      if (err instanceof MessageParseError) {
        session.log.warn({ err, messageId }, 'malformed client message');
        session.error(-1, 320, readError(messageId, err.message).text);
        session.close('malformed message');
        return;
      }
      session.log.error({ err, messageId }, 'handler failed');
      session.error(-1, 322, `Error processing request.-'b1' : cause - internal error on message ${messageId}`);
    }
  }

  private startApi(session: Session, r: FieldReader): void {
    r.skip(); // version
    const clientId = r.int();
    r.optionalStr(); // optionalCapabilities
    const taken = this.sim.readySessions().some((s) => s.clientId === clientId);
    if (taken) {
      session.error(-1, TWS_ERRORS.clientIdInUse.code, TWS_ERRORS.clientIdInUse.text);
      session.close(`clientId ${clientId} already in use`);
      return;
    }
    session.clientId = clientId;
    session.state = 'ready';
    session.send(enc.managedAccounts(this.sim.settings.accounts));
    session.send(enc.nextValidId(this.sim.nextOrderId(clientId)));
    for (const [code, farm] of CONNECT_NOTICES) session.error(-1, code, noticeText(code, farm));
    session.log.info({ clientId }, 'api started');
    for (const listener of this.sim.apiStartListeners) listener(session);
  }
}

/** The message id (first field) of a payload, -1 when it does not start with digits; for the breach report only. */
function leadingMessageId(payload: Buffer): number {
  let id = 0;
  let i = 0;
  for (; i < payload.length && i < 9; i++) {
    const c = payload[i] ?? 0;
    if (c < 0x30 || c > 0x39) break;
    id = id * 10 + (c - 0x30);
  }
  return i > 0 && payload[i] === 0 ? id : -1;
}

/**
 * A breach's window as evidence: how many messages, over how many ms between the first and the last read, and
 * the socket reads that brought them (when, how many, which message ids). Many messages in a few reads means
 * they reached the sim bunched (read late), not sent bunched.
 */
function describeWindow(window: readonly CountedMessage[]): Record<string, unknown> {
  const reads: Array<{ atMs: number; count: number; ids: number[] }> = [];
  let lastRead = -1;
  for (const m of window) {
    const last = reads[reads.length - 1];
    if (last !== undefined && m.read === lastRead) {
      last.count++;
      last.ids.push(m.messageId);
    } else reads.push({ atMs: m.atMs, count: 1, ids: [m.messageId] });
    lastRead = m.read;
  }
  const first = window[0]?.atMs ?? 0;
  const last = window[window.length - 1]?.atMs ?? 0;
  return { inWindow: window.length, firstAtMs: first, spanMs: last - first, reads };
}
