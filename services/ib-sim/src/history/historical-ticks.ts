/**
 * reqHistoricalTicks: up to `count` ticks from a start instant forward, or back from an end instant, across
 * sessions (regular hours with useRTH), never past now, oldest first. Like TWS, the ticks of the second where the
 * count is reached all come along, so a reply may hold a few more than asked (times have one-second resolution
 * and a client pages on by the last time it saw).
 */
import type { Instrument } from '../instruments/instrument.js';
import type { Session } from '../instruments/trading-hours.js';
import type { QuoteSource } from '../market/quote-source.js';
import {
  type HistoricalTickKind,
  SessionExtremes,
  type TickEvent,
  type TickWindow,
  ticksBetween,
} from './tick-events.js';

export interface TickQuery {
  readonly instrument: Instrument;
  readonly kind: HistoricalTickKind;
  readonly useRth: boolean;
  readonly ignoreSize: boolean;
  /** 1..1000. */
  readonly count: number;
  /** Exactly one end: ticks at or after `fromMs`, or at or before `toMs` (whole seconds, inclusive). */
  readonly anchor: { readonly fromMs: number } | { readonly toMs: number };
  readonly nowMs: number;
}

const SECOND_MS = 1_000;
/** Ticks are generated in slices of this length, so a request reads only about as far as it needs. */
const SLICE_MS = 10 * 60_000;
/** How many sessions a request may walk before it gives up (a long gap simply yields fewer ticks). */
const MAX_SESSIONS = 30;

const second = (tMs: number): number => Math.floor(tMs / SECOND_MS);

function windowFor(source: QuoteSource, q: TickQuery, session: Session): TickWindow {
  return {
    source,
    instrument: q.instrument,
    kind: q.kind,
    session,
    ignoreSize: q.ignoreSize,
    regular: q.useRth ? session : q.instrument.schedule.sessionOf(session.dayNumber, false),
    extremes: new SessionExtremes(source, q.instrument, session),
  };
}

function sessionFrom(q: TickQuery, tMs: number): Session | undefined {
  const schedule = q.instrument.schedule;
  const open = schedule.sessionAt(tMs, !q.useRth);
  if (open) return open;
  try {
    return schedule.nextSessionAfter(tMs, !q.useRth);
  } catch {
    return undefined; // no session within a month: nothing to return
  }
}

function sessionUntil(q: TickQuery, tMs: number): Session | undefined {
  try {
    return q.instrument.schedule.lastSessionAtOrBefore(tMs, !q.useRth);
  } catch {
    return undefined; // no session within a month before: nothing earlier to return
  }
}

function forward(source: QuoteSource, q: TickQuery, fromMs: number): TickEvent[] {
  const out: TickEvent[] = [];
  let t = fromMs;
  for (let n = 0; n < MAX_SESSIONS && t < q.nowMs; n++) {
    const session = sessionFrom(q, t);
    if (!session) break;
    const w = windowFor(source, q, session);
    const end = Math.min(session.endMs, q.nowMs);
    for (let a = Math.max(t, session.startMs); a < end; a += SLICE_MS) {
      out.push(...ticksBetween(w, a, Math.min(a + SLICE_MS, end)));
      const last = out[q.count - 1];
      if (last !== undefined) return out.filter((e) => second(e.tMs) <= second(last.tMs));
    }
    t = session.endMs;
  }
  return out;
}

function backward(source: QuoteSource, q: TickQuery, toMs: number): TickEvent[] {
  const slices: TickEvent[][] = [];
  let total = 0;
  let t = Math.min((second(toMs) + 1) * SECOND_MS, q.nowMs);
  for (let n = 0; n < MAX_SESSIONS && total < q.count; n++) {
    const session = sessionUntil(q, t - 1);
    if (!session) break;
    const w = windowFor(source, q, session);
    // Slices start on whole seconds, so the second where the count is reached is never split between two.
    for (let b = Math.min(t, session.endMs); b > session.startMs && total < q.count; ) {
      const a = Math.max(session.startMs, Math.floor((b - SLICE_MS) / SECOND_MS) * SECOND_MS);
      const slice = ticksBetween(w, a, b);
      slices.unshift(slice);
      total += slice.length;
      b = a;
    }
    t = session.startMs;
  }
  const all = slices.flat();
  const first = all[all.length - q.count];
  return first === undefined ? all : all.filter((e) => second(e.tMs) >= second(first.tMs));
}

export function historicalTicks(source: QuoteSource, q: TickQuery): TickEvent[] {
  return 'fromMs' in q.anchor ? forward(source, q, q.anchor.fromMs) : backward(source, q, q.anchor.toMs);
}
