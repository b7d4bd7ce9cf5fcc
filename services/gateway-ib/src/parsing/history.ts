import { type BarData, fromWall, toWall } from '@trading-system/contracts';
import { priceOrUndefined, sizeOrUndefined, toDecimalString } from './numbers.js';

export class HistoryParseError extends Error {
  override readonly name = 'HistoryParseError';
}

/** End time for reqHistoricalData in IB's unambiguous UTC form `yyyyMMdd-HH:mm:ss`; '' = now. */
export function toIbEndDateTime(endMs: number | undefined): string {
  if (endMs === undefined) return '';
  const iso = new Date(endMs).toISOString(); // 2024-03-12T15:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 19)}`;
}

/**
 * A bar/range time as IB sends it with formatDate 2: epoch seconds for intraday bars, `yyyyMMdd` for daily and
 * longer bars (taken as 00:00 UTC of that date: the session calendar lives in the history service), or
 * `yyyyMMdd[ -]HH:mm:ss` (read as UTC). Throws HistoryParseError on anything else.
 */
export function parseIbTime(s: string): number {
  const t = s.trim();
  if (/^\d{9,11}$/.test(t)) return Number(t) * 1000;
  const m = /^(\d{4})(\d{2})(\d{2})(?:[ -](\d{2}):(\d{2}):(\d{2}))?(?: .*)?$/.exec(t);
  if (m === null) throw new HistoryParseError(`unrecognised IB time "${s}"`);
  const [, y, mo, d, h, mi, se] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(se ?? 0));
}

/** The `finished-<start>-<end>` marker @stoqey/ib emits after the last bar; undefined for a normal bar. */
export function parseFinishedMarker(time: string): { startMs: number; endMs: number } | undefined {
  if (!time.startsWith('finished')) return undefined;
  const rest = time.slice('finished-'.length);
  // Epoch-second form: finished-<digits>-<digits>; the date form contains '-' itself only in `yyyyMMdd-HH:mm:ss`.
  const epoch = /^(\d+)-(\d+)$/.exec(rest);
  if (epoch !== null) return { startMs: parseIbTime(epoch[1] ?? ''), endMs: parseIbTime(epoch[2] ?? '') };
  const dated = /^(\d{8}(?:[ -]\d{2}:\d{2}:\d{2})?(?: \S+)?)-(\d{8}(?:[ -]\d{2}:\d{2}:\d{2})?(?: \S+)?)$/.exec(rest);
  if (dated !== null) return { startMs: parseIbTime(dated[1] ?? ''), endMs: parseIbTime(dated[2] ?? '') };
  throw new HistoryParseError(`unrecognised end-of-data marker "${time}"`);
}

export interface IbHistoricalBar {
  readonly time: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly count: number | undefined;
  readonly wap: number;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: Mondays are 4 days past a multiple of a week since the epoch. */
const MONDAY_OFFSET_MS = 4 * DAY_MS;

/**
 * Bar end for an IB bar size. Intraday bars sit on a grid from local midnight in the exchange's time zone (`timeZone`,
 * IB's timeZoneId), and IB dates a session's first bar at the open, inside a grid slot: a 3-hour RTH bar of a US
 * stock starts 09:30 and ends at 12:00, where the next starts, not 12:30. So an intraday bar ends at the grid's next
 * boundary after its start (every IB intraday size divides a day); without a known, valid zone, at start + size.
 * Daily bars end at start + size, weekly at the next Monday 00:00 UTC, monthly at the first of the next month (UTC;
 * a month's bar is dated at its first trading day, April 3rd, and must end where May's, dated May 1st, starts).
 */
export function barEndFn(barSeconds: number | undefined, timeZone?: string): (startMs: number) => number {
  if (barSeconds !== undefined) {
    const sizeMs = barSeconds * 1000;
    // Weekly bars are dated at the week's first trading day (a Tuesday after a Monday holiday): they end at the next
    // Monday 00:00 UTC (the civil week grid history resamples on too), not 7 days on over the next week's bar.
    if (sizeMs === WEEK_MS)
      return (startMs) => Math.floor((startMs - MONDAY_OFFSET_MS) / WEEK_MS + 1) * WEEK_MS + MONDAY_OFFSET_MS;
    const zone = sizeMs < DAY_MS && timeZone !== undefined && isZone(timeZone) ? timeZone : undefined;
    if (zone === undefined) return (startMs) => startMs + sizeMs;
    // The local day of the last bar, kept: bars come in time order, so the zone is consulted once per day, not per bar
    // (a year of minute bars is a quarter of a million).
    let dayStart = Number.POSITIVE_INFINITY;
    let dayEnd = Number.NEGATIVE_INFINITY;
    return (startMs) => {
      if (startMs < dayStart || startMs >= dayEnd) {
        const w = toWall(zone, startMs);
        dayStart = fromWall(zone, w.year, w.month, w.day, 0);
        dayEnd = fromWall(zone, w.year, w.month, w.day + 1, 0);
      }
      return Math.min(dayEnd, dayStart + (Math.floor((startMs - dayStart) / sizeMs) + 1) * sizeMs);
    };
  }
  return (startMs) => {
    const d = new Date(startMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  };
}

/** One IB historical bar → BarData; `endOf` gives the bar's exclusive end from its start (see barEndFn). */
export function toBarData(b: IbHistoricalBar, endOf: (startMs: number) => number): BarData {
  const tsStartMs = parseIbTime(b.time);
  const open = priceOrUndefined(b.open);
  const high = priceOrUndefined(b.high);
  const low = priceOrUndefined(b.low);
  const close = priceOrUndefined(b.close);
  if (open === undefined || high === undefined || low === undefined || close === undefined) {
    throw new HistoryParseError(`bar at ${b.time} has no OHLC`);
  }
  const bar: BarData = {
    tsStartMs,
    tsEndMs: endOf(tsStartMs),
    open,
    high,
    low,
    close,
    volume: sizeOrUndefined(b.volume) ?? '0',
    gap: false,
  };
  const wap = b.wap > 0 ? toDecimalString(b.wap) : undefined;
  if (wap !== undefined) bar.wap = wap;
  if (b.count !== undefined && b.count >= 0) bar.count = b.count;
  return bar;
}

/**
 * Appends a bar of an answer (time order), ending the bar before it at this one's start where its grid end reaches
 * past it: a session's last and the next session's first bar can share a grid slot (a 3-hour slot 15:00–18:00 holds
 * IDEALPRO's 17:00 close and its 17:15 open, and CME's 16:00 close and 17:00 open), and the closing bar ends where
 * the opening one starts, not at 18:00 over it.
 */
export function appendBar(bars: BarData[], bar: BarData): void {
  const prev = bars.at(-1);
  if (prev !== undefined && prev.tsEndMs > bar.tsStartMs && prev.tsStartMs < bar.tsStartMs)
    prev.tsEndMs = bar.tsStartMs;
  bars.push(bar);
}

/** Whether the runtime knows the zone (IB sends ids such as `US/Eastern`; an unknown one must not fail a request). */
function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    // RangeError: not a zone this runtime knows; the caller falls back to start + size.
    return false;
  }
}
