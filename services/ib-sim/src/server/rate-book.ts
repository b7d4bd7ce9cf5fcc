/**
 * What the message-rate limit saw, over every connection since the sim started and per clientId: the peak count
 * in one sliding second, the messages over the limit and the breaches (each answered with one error 100). A
 * bench or a test in another process reads it (control `rateSeen`, HTTP `GET /rate`) to count breaches on its
 * own connection from the server's side, not only the error 100s its client happened to report.
 */
import type { RateLimiter, RateVerdict } from './rate-limiter.js';

export interface RateCounts {
  readonly peakPerSecond: number;
  readonly exceeded: number;
  readonly breaches: number;
}

export interface RateSeen extends RateCounts {
  /** Per clientId (`-1`: messages before START_API named one). */
  readonly byClient: ReadonlyArray<RateCounts & { readonly clientId: number }>;
}

interface Counts {
  peakPerSecond: number;
  exceeded: number;
  breaches: number;
}

const zero = (): Counts => ({ peakPerSecond: 0, exceeded: 0, breaches: 0 });

export class RateBook {
  private readonly all = zero();
  private readonly clients = new Map<number, Counts>();

  /** Adds one message's verdict of a connection's limiter, on behalf of its clientId. */
  note(clientId: number | undefined, limiter: RateLimiter, verdict: RateVerdict): void {
    const id = clientId ?? -1;
    let client = this.clients.get(id);
    if (client === undefined) {
      client = zero();
      this.clients.set(id, client);
    }
    for (const c of [this.all, client]) {
      if (limiter.peak > c.peakPerSecond) c.peakPerSecond = limiter.peak;
      if (verdict !== 'ok') c.exceeded++;
      if (verdict === 'warn') c.breaches++;
    }
  }

  seen(): RateSeen {
    return {
      ...this.all,
      byClient: [...this.clients].map(([clientId, c]) => ({ clientId, ...c })).sort((a, b) => a.clientId - b.clientId),
    };
  }

  /** One clientId's counts (zero when it never sent). */
  ofClient(clientId: number): RateCounts {
    return { ...(this.clients.get(clientId) ?? zero()) };
  }
}
