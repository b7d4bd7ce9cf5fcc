/**
 * Injectable clock. Simulated time drives prices, bars and sessions; timers are expressed in simulated ms.
 * - real:   sim time = wall time.
 * - scaled: sim time starts at `startMs` and runs `scale` times faster than the wall (timers shrink too).
 * - manual: time moves only on `advance()`; due timers fire in order (for deterministic tests).
 */

export interface Clock {
  now(): number;
  /** Simulated ms per real ms (1 for real time). */
  readonly scale: number;
  /** Runs fn once after `simMs`; returns a cancel function. */
  setTimer(fn: () => void, simMs: number): () => void;
  /** Runs fn every `simMs`; returns a cancel function. */
  setRepeating(fn: () => void, simMs: number): () => void;
}

export function realClock(): Clock {
  const clock = scaledClock(Date.now(), 1);
  return { ...clock, now: () => Date.now() };
}

export function scaledClock(startMs: number, scale: number): Clock {
  if (!(scale > 0)) throw new RangeError(`clock scale must be > 0, got ${scale}`);
  const realStart = Date.now();
  return {
    scale,
    now: () => startMs + (Date.now() - realStart) * scale,
    setTimer(fn, simMs) {
      const handle = setTimeout(fn, Math.max(0, simMs / scale));
      return () => clearTimeout(handle);
    },
    setRepeating(fn, simMs) {
      const handle = setInterval(fn, Math.max(1, simMs / scale));
      return () => clearInterval(handle);
    },
  };
}

interface ManualTimer {
  dueMs: number;
  readonly fn: () => void;
  readonly everyMs: number | undefined;
  cancelled: boolean;
}

export interface ManualClock extends Clock {
  /** Moves time forward, firing every timer that falls due, in time order. */
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(startMs: number): ManualClock {
  let now = startMs;
  const timers: ManualTimer[] = [];
  const add = (fn: () => void, simMs: number, everyMs: number | undefined): (() => void) => {
    const timer: ManualTimer = { dueMs: now + simMs, fn, everyMs, cancelled: false };
    timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  const clock: ManualClock = {
    scale: 1,
    now: () => now,
    setTimer: (fn, simMs) => add(fn, simMs, undefined),
    setRepeating: (fn, simMs) => add(fn, Math.max(1, simMs), Math.max(1, simMs)),
    advance(ms) {
      clock.set(now + ms);
    },
    set(target) {
      for (;;) {
        const due = timers.filter((t) => !t.cancelled && t.dueMs <= target).sort((a, b) => a.dueMs - b.dueMs)[0];
        if (!due) break;
        now = Math.max(now, due.dueMs);
        if (due.everyMs === undefined) due.cancelled = true;
        else due.dueMs += due.everyMs;
        due.fn();
      }
      for (let i = timers.length - 1; i >= 0; i--) if (timers[i]?.cancelled) timers.splice(i, 1);
      now = Math.max(now, target);
    },
  };
  return clock;
}
