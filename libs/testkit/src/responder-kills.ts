/**
 * A responder's SIGKILLs, as the test that kills it knows them. NATS tells a requester nothing when the process
 * holding its request dies: the request waits out its whole timeout (12-15 s in the soak and chaos flows) for an
 * answer that cannot come, and with every lane of a flow holding one, each kill idled the flow that long. A test
 * that kills the responder itself races its requests against the kill instead (`request`): one in flight at a kill
 * is given up and sent again once the test says the responder serves again (`killed()` returns that call) — what
 * its timeout would have led to, only without the idle wait.
 */
import { RequestTimeoutError } from '@trading-system/bus';

/** A request given up at a kill: send it again once `recovered` settles. */
export interface GivenUp {
  readonly recovered: Promise<void>;
}

export class ResponderKills {
  private fire: (recovered: Promise<void>) => void = () => undefined;
  private next: Promise<GivenUp> = this.arm();
  /** Errors of requests given up at a kill that ended otherwise than in their timeout: a test asserts none. */
  readonly abandonedErrors: unknown[] = [];

  /** Call right after the kill; call what it returns once the responder serves again. */
  killed(): () => void {
    let recover: () => void = () => undefined;
    this.fire(
      new Promise<void>((resolve) => {
        recover = resolve;
      }),
    );
    this.next = this.arm();
    return recover;
  }

  /** The request's reply, or GivenUp when the responder was killed while the request was in flight. */
  async request<T>(sent: Promise<T>): Promise<{ readonly reply: T } | GivenUp> {
    const r = await Promise.race([sent.then((reply) => ({ reply })), this.next]);
    if ('reply' in r) return r;
    // It ends in its timeout (or in a reply the dead process wrote just before): the resend replaces either.
    sent.catch((err: unknown) => {
      if (!(err instanceof RequestTimeoutError)) this.abandonedErrors.push(err);
    });
    return r;
  }

  private arm(): Promise<GivenUp> {
    return new Promise((resolve) => {
      this.fire = (recovered) => resolve({ recovered });
    });
  }
}
