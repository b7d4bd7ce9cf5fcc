/**
 * Drives a simulator's manual clock at wall speed (ib-sim's, Alpaca's sim's): the simulated market then moves live
 * while a test can still jump it. The gateways' conformance helpers each carry a copy of this loop; new callers use
 * this one.
 */

/** A clock that moves only when told (ib-sim's ManualClock has this shape). */
export interface AdvanceableClock {
  advance(ms: number): void;
}

/** Advances `clock` by the wall time passed, every `everyMs`; the returned function stops it. */
export function advanceAtWallSpeed(clock: AdvanceableClock, everyMs = 10): () => void {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    clock.advance(now - last);
    last = now;
  }, everyMs);
  return () => clearInterval(timer);
}
