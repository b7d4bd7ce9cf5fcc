/**
 * The sim's notion of now, in epoch ms. Real time by default; scaled for demos; manual for tests, where time
 * moves only when the test says so, so fills, expiries and bar edges are deterministic.
 */
export interface Clock {
  now(): number;
}

export function realClock(): Clock {
  return { now: () => Date.now() };
}

export function scaledClock(startMs: number, scale: number): Clock {
  if (!(scale > 0)) throw new RangeError(`clock scale must be > 0, got ${scale}`);
  const wallStart = Date.now();
  return { now: () => startMs + (Date.now() - wallStart) * scale };
}

export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(startMs: number): ManualClock {
  let now = startMs;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
