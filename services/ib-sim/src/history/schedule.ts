/**
 * reqHistoricalData with whatToShow SCHEDULE: the instrument's trading sessions in the request window, as TWS
 * reports them in HISTORICAL_SCHEDULE (106) — times `yyyyMMdd-HH:mm:ss` in the instrument's time zone (named in
 * the message), the trade date as refDate, regular (liquid) hours with useRTH and trading hours without. A CME
 * session opening the evening before shows that evening as its start; holidays have no session; early closes end
 * at their real time. The overall start and end are those of the first and last session.
 */
import { toWall } from '@trading-system/contracts';
import type { Instrument } from '../instruments/instrument.js';
import type { Duration } from './bar-size.js';
import { windowStart } from './bars.js';
import { fmtHms, fmtYmd } from './dates.js';

export interface ScheduleSession {
  readonly startDateTime: string;
  readonly endDateTime: string;
  readonly refDate: string;
}

export interface HistoricalSchedule {
  readonly startDateTime: string;
  readonly endDateTime: string;
  readonly timeZone: string;
  readonly sessions: readonly ScheduleSession[];
}

/** `yyyyMMdd-HH:mm:ss` in a zone, the form of every time in HISTORICAL_SCHEDULE. */
export function formatScheduleTime(ms: number, zone: string): string {
  const w = toWall(zone, ms);
  return `${fmtYmd(w)}-${fmtHms(w)}`;
}

export function historicalSchedule(
  instrument: Instrument,
  endMs: number,
  duration: Duration,
  useRth: boolean,
): HistoricalSchedule {
  const zone = instrument.schedule.timeZoneId;
  const startMs = windowStart({ instrument, endMs, duration, useRth });
  const sessions = instrument.schedule.sessionsBetween(startMs, endMs, !useRth);
  const first = sessions[0];
  const last = sessions[sessions.length - 1];
  return {
    startDateTime: formatScheduleTime(first?.startMs ?? startMs, zone),
    endDateTime: formatScheduleTime(last?.endMs ?? endMs, zone),
    timeZone: zone,
    sessions: sessions.map((s) => ({
      startDateTime: formatScheduleTime(s.startMs, zone),
      endDateTime: formatScheduleTime(s.endMs, zone),
      refDate: s.tradeDate,
    })),
  };
}
