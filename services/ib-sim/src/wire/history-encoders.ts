/**
 * Encoders of the historical-data extras (spec §3.6): HISTORICAL_SCHEDULE, HISTOGRAM_DATA and the three
 * HISTORICAL_TICKS messages. None has a version field at sv 178. Layouts as IB's EDecoder, @stoqey/ib's decoder and
 * ib_async's decoder read them — field counts exact (the golden tests pin them): @stoqey/ib reports 505 on a
 * leftover field, ib_async unpacks fixed tuples and reads sizes and times with int().
 */
import type { Fields } from './encoders.js';
import { fmtBool, fmtDouble, fmtInt } from './fields.js';
import { OUT } from './message-ids.js';

const id = (n: number): string => String(n);

export interface ScheduleSessionFields {
  readonly startDateTime: string;
  readonly endDateTime: string;
  readonly refDate: string;
}

/** `106|reqId|startDateTime|endDateTime|timeZone|count|{start|end|refDate}×count`. */
export function historicalSchedule(
  reqId: number,
  startDateTime: string,
  endDateTime: string,
  timeZone: string,
  sessions: readonly ScheduleSessionFields[],
): Fields {
  const out: Fields = [
    id(OUT.HISTORICAL_SCHEDULE),
    fmtInt(reqId),
    startDateTime,
    endDateTime,
    timeZone,
    fmtInt(sessions.length),
  ];
  for (const s of sessions) out.push(s.startDateTime, s.endDateTime, s.refDate);
  return out;
}

/** `89|reqId|count|{price|size}×count`; size an integer (ib_async int()). */
export function histogramData(reqId: number, points: ReadonlyArray<{ price: number; size: number }>): Fields {
  const out: Fields = [id(OUT.HISTOGRAM_DATA), fmtInt(reqId), fmtInt(points.length)];
  for (const p of points) out.push(fmtDouble(p.price), fmtInt(p.size));
  return out;
}

/** `96|reqId|count|{time|0|price|size}×count|done` (MIDPOINT); the 0 is an unused attribute field. */
export function historicalTicks(
  reqId: number,
  ticks: ReadonlyArray<{ timeSec: number; price: number; size: number }>,
  done: boolean,
): Fields {
  const out: Fields = [id(OUT.HISTORICAL_TICKS), fmtInt(reqId), fmtInt(ticks.length)];
  for (const t of ticks) out.push(fmtInt(t.timeSec), '0', fmtDouble(t.price), fmtInt(t.size));
  out.push(fmtBool(done));
  return out;
}

/** `97|reqId|count|{time|mask|bid|ask|bidSize|askSize}×count|done`; mask 1 askPastHigh, 2 bidPastLow. */
export function historicalTicksBidAsk(
  reqId: number,
  ticks: ReadonlyArray<{
    timeSec: number;
    mask: number;
    bid: number;
    ask: number;
    bidSize: number;
    askSize: number;
  }>,
  done: boolean,
): Fields {
  const out: Fields = [id(OUT.HISTORICAL_TICKS_BID_ASK), fmtInt(reqId), fmtInt(ticks.length)];
  for (const t of ticks) {
    out.push(
      fmtInt(t.timeSec),
      fmtInt(t.mask),
      fmtDouble(t.bid),
      fmtDouble(t.ask),
      fmtInt(t.bidSize),
      fmtInt(t.askSize),
    );
  }
  out.push(fmtBool(done));
  return out;
}

/** `98|reqId|count|{time|mask|price|size|exchange|specialConditions}×count|done`; mask 1 pastLimit, 2 unreported. */
export function historicalTicksLast(
  reqId: number,
  ticks: ReadonlyArray<{
    timeSec: number;
    mask: number;
    price: number;
    size: number;
    exchange: string;
    specialConditions: string;
  }>,
  done: boolean,
): Fields {
  const out: Fields = [id(OUT.HISTORICAL_TICKS_LAST), fmtInt(reqId), fmtInt(ticks.length)];
  for (const t of ticks) {
    out.push(fmtInt(t.timeSec), fmtInt(t.mask), fmtDouble(t.price), fmtInt(t.size), t.exchange, t.specialConditions);
  }
  out.push(fmtBool(done));
  return out;
}
