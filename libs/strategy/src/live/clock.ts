/**
 * The clock a live run keeps market time with. A live broker's market runs on the wall clock (the default); a run
 * against an ib-sim on its own clock (time-scaled, or stepped by a test) passes that clock, so bars, timers and
 * `ctx.now()` follow the sim's instants. ib-sim's `Clock` has this shape.
 */
export interface MarketClock {
  now(): number;
  /** Runs `fn` once after `ms` of market time; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const wallClock: MarketClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
