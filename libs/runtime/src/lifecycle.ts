/**
 * The visible state of a long-lived component (NATS connection, consumer, broker session, service).
 *
 *   starting → running ⇄ degraded
 *   starting | running | degraded → stopping → stopped
 *   starting → stopped           (start failed)
 *
 * `degraded` means alive but impaired (e.g. reconnecting); a component in it is expected either to recover or to
 * call the service's fatal(). Listeners are called synchronously, in registration order, after the change.
 */
import { LifecycleError } from './errors.js';

export type LifecycleState = 'starting' | 'running' | 'degraded' | 'stopping' | 'stopped';

export interface LifecycleChange {
  readonly from: LifecycleState;
  readonly to: LifecycleState;
  readonly reason: string | undefined;
}

const ALLOWED: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  starting: ['running', 'stopping', 'stopped'],
  running: ['degraded', 'stopping'],
  degraded: ['running', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export class Lifecycle {
  readonly name: string;
  #state: LifecycleState = 'starting';
  readonly #listeners = new Set<(change: LifecycleChange) => void>();

  constructor(name: string) {
    this.name = name;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** Moves to `to`; a no-op when already there; throws LifecycleError for a transition the diagram forbids. */
  transition(to: LifecycleState, reason?: string): void {
    const from = this.#state;
    if (from === to) return;
    if (!ALLOWED[from].includes(to)) {
      throw new LifecycleError(`${this.name}: cannot go from ${from} to ${to}`);
    }
    this.#state = to;
    const change = { from, to, reason };
    for (const listener of this.#listeners) listener(change);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: LifecycleChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when `state` is reached (at once if it already is); rejects after `timeoutMs`. */
  waitFor(state: LifecycleState, timeoutMs: number): Promise<void> {
    if (this.#state === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new LifecycleError(`${this.name}: not ${state} within ${timeoutMs} ms (still ${this.#state})`));
      }, timeoutMs);
      const off = this.onChange((change) => {
        if (change.to !== state) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }
}
