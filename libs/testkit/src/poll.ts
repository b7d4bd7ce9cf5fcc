/**
 * The one way tests wait for a state they cannot be told about: poll it. Every wait has a deadline and a name, so a
 * test that times out says what it was waiting for. An attempt that throws ends the wait with its error (a child
 * process that died, a reply that can never come right), instead of being retried until the deadline.
 */

export interface PollOptions {
  /** Give up after this many ms (default 5000). */
  readonly timeoutMs?: number;
  /** Pause between attempts, ms (default 10: cheap in-process reads; use more for queries and HTTP). */
  readonly intervalMs?: number;
  /** Appended to the timeout error, e.g. the output of the processes under test. */
  readonly detail?: () => string;
}

/** Thrown when a poll's deadline passes; the message names what was awaited. */
export class PollTimeoutError extends Error {
  override readonly name = 'PollTimeoutError';
}

/**
 * Calls `attempt` until it gives a value other than `undefined` or `false`, and returns that value; throws
 * PollTimeoutError naming `what` when `timeoutMs` passes first.
 */
export async function poll<T>(
  what: string,
  attempt: () => T | undefined | false | Promise<T | undefined | false>,
  options: PollOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const detail = options.detail?.() ?? '';
      throw new PollTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${what}${detail === '' ? '' : `\n${detail}`}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
}

/** Waits until the cheap in-process condition `cond` holds, polling every 10 ms; throws after `ms`, naming `what`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  await poll(what, () => cond() || undefined, { timeoutMs: ms });
}
