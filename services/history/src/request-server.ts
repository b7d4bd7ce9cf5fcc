/**
 * How history serves its request subjects: every instance in one queue group, an error turned into a typed
 * `{ ok: false, code }` reply, and — with a broker filter (`config.brokers`) — valid requests for other brokers left
 * unanswered by this instance (the bus's `claim`), while a malformed request is refused by every instance that hears it.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import type { ErrorReply } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { errorCode, errorMessage } from './errors.js';

export interface RequestServerOptions {
  /** The queue group every instance with the same broker filter joins. */
  readonly queue: string;
  /** The broker filter; undefined: every broker. */
  readonly brokers: ReadonlySet<string> | undefined;
  /** Called right before a request subject is served (the database-wait stand-in hands over). */
  readonly beforeServe?: (() => void) | undefined;
}

export class RequestServer {
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly opts: RequestServerOptions,
  ) {}

  /** True when this instance serves `broker` (always, without a broker filter). */
  mine(broker: string | undefined): boolean {
    const { brokers } = this.opts;
    return brokers === undefined || (broker !== undefined && brokers.has(broker));
  }

  serve<Req, Rep>(subject: string, brokerOf: (r: Req) => string | undefined, handle: (r: Req) => Promise<Rep>): void {
    const answer = async (body: Req): Promise<Rep | ErrorReply> => {
      try {
        return await handle(body);
      } catch (err) {
        const code = errorCode(err);
        // A typed refusal (an unknown contract, a bad range) is the requester's answer, not a fault of ours: one
        // line without a stack. Only what we did not expect is logged with its stack.
        if (code === 'INTERNAL_ERROR') this.log.warn({ err, subject }, 'request failed');
        else this.log.info({ subject, code, message: errorMessage(err) }, 'request refused');
        return { v: 1, ok: false, code, message: errorMessage(err) };
      }
    };
    const claim = this.opts.brokers === undefined ? undefined : (r: Req) => this.mine(brokerOf(r));
    this.opts.beforeServe?.();
    this.subs.push(
      this.bus.serve<Req, Rep | ErrorReply>(subject, answer, {
        queue: this.opts.queue,
        ...(claim === undefined ? {} : { claim }),
      }),
    );
  }

  /** A subscription to end with the server (live bars). */
  add(sub: Subscription): void {
    this.subs.push(sub);
  }

  stop(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
  }
}
