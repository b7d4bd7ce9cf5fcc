/**
 * Fault injection state, shared by the REST server and the streams: the next N requests answered 429 or 5xx,
 * a delay before every REST reply, and the per-key request budget (Alpaca's requests per minute).
 */

export interface FaultState {
  /** The next N authenticated REST requests get 429 (as if the budget were spent), whatever the real count. */
  rateLimitNext: number;
  /** The next N authenticated REST requests fail with `failStatus`. */
  failNext: number;
  failStatus: number;
  /** Wall ms every REST reply waits before it is written. */
  delayMs: number;
}

export function initialFaults(): FaultState {
  return { rateLimitNext: 0, failNext: 0, failStatus: 500, delayMs: 0 };
}

export interface RateWindow {
  readonly limit: number;
  readonly remaining: number;
  /** Unix seconds at which the window resets. */
  readonly resetS: number;
  readonly exceeded: boolean;
}

/**
 * Alpaca's budget: `limit` requests per minute per API key, fixed one-minute windows on the wall clock (rate limits
 * are about real request rates, so they never follow the simulated clock).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { startMs: number; count: number }>();

  constructor(
    readonly limit: number,
    private readonly wallNow: () => number = Date.now,
  ) {}

  take(key: string, forceExceeded: boolean): RateWindow {
    const now = this.wallNow();
    const start = Math.floor(now / 60_000) * 60_000;
    let w = this.windows.get(key);
    if (!w || w.startMs !== start) {
      w = { startMs: start, count: 0 };
      this.windows.set(key, w);
    }
    const exceeded = forceExceeded || w.count >= this.limit;
    if (!exceeded) w.count++;
    return {
      limit: this.limit,
      remaining: forceExceeded ? 0 : Math.max(0, this.limit - w.count),
      resetS: Math.ceil((start + 60_000) / 1000),
      exceeded,
    };
  }
}

export function rateHeaders(w: RateWindow): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(w.limit),
    'X-RateLimit-Remaining': String(w.remaining),
    'X-RateLimit-Reset': String(w.resetS),
  };
}
