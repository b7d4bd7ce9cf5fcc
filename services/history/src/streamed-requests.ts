/**
 * Streamed requests (`hist.bars`, `hist.export`): the request is acknowledged at once with its stream subject, and
 * the work runs in the background until it publishes the stream's `end` — with the error's code when it fails or
 * the service stops under it.
 */
import type { Bus } from '@trading-system/bus';
import type { Logger } from '@trading-system/runtime';
import { errorCode, errorMessage, HistoryStoppedError } from './errors.js';
import { StreamPublisher } from './stream-publisher.js';

export class StreamedRequests {
  private readonly tasks = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Aborted when the service stops: back-fills end early. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Throws HistoryStoppedError once the service is stopping. */
  throwIfStopped(): void {
    if (this.abort.signal.aborted) throw new HistoryStoppedError();
  }

  /** Streamed requests still running. */
  get running(): number {
    return this.tasks.size;
  }

  /** Acknowledges a streamed request at once and runs `work` in the background until it publishes `end`. */
  start(requestId: string, work: (out: StreamPublisher) => Promise<void>) {
    const out = new StreamPublisher(this.bus, requestId, this.now);
    const task = (async () => {
      // Let the ack go out before the first chunk (the caller is subscribed either way).
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await work(out);
        this.throwIfStopped();
      } catch (err) {
        this.log.warn({ err, requestId }, 'streamed request failed');
        out.end([], { code: errorCode(err), message: errorMessage(err) });
      }
    })().finally(() => this.tasks.delete(task));
    this.tasks.add(task);
    return { v: 1 as const, ok: true as const, requestId, streamSubject: out.subject };
  }

  /** Signals every running request to stop. */
  stop(): void {
    this.abort.abort();
  }

  /** Resolves when every running request has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.tasks]);
  }
}
