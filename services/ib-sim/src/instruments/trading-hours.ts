/**
 * Trading schedules on the project's trading calendar (`@trading-system/contracts` calendar): sessions, holidays
 * and early closes per exchange. A session is identified by its trade date and may start on the previous calendar
 * day (CME Globex opens 17:00 CT the evening before). Trading hours (outsideRth) are the calendar's extended
 * hours, liquid hours its regular ones. Pure functions of time.
 */
import { type CalendarId, dayNumber, dayNumberToDate, sessionOnDay, toWall } from '@trading-system/contracts';

export interface ScheduleSpec {
  /** IB's zone id reported in contract details (`US/Eastern`); the calendar's IANA zone is the same zone. */
  readonly timeZoneId: string;
  readonly calendar: CalendarId;
}

export interface Session {
  /** Trade date as day number (days since epoch) and `yyyyMMdd`. */
  readonly dayNumber: number;
  readonly tradeDate: string;
  readonly startMs: number;
  readonly endMs: number;
}

export const SCHEDULES = {
  usEquity: { timeZoneId: 'US/Eastern', calendar: 'NYSE' },
  usOption: { timeZoneId: 'US/Eastern', calendar: 'US_OPTIONS' },
  usIndex: { timeZoneId: 'US/Eastern', calendar: 'US_INDEX' },
  cmeGlobex: { timeZoneId: 'US/Central', calendar: 'CME_EQUITY' },
  cmeFx: { timeZoneId: 'US/Central', calendar: 'CME_FX' },
  idealPro: { timeZoneId: 'US/Eastern', calendar: 'FOREX' },
  metals: { timeZoneId: 'US/Eastern', calendar: 'METALS' },
} as const satisfies Record<string, ScheduleSpec>;

/** Answers "is it open" and "where are the sessions" for one schedule; caches sessions per trade date. */
export class TradingSchedule {
  private readonly cache = new Map<string, Session | null>();

  constructor(readonly spec: ScheduleSpec) {}

  get timeZoneId(): string {
    return this.spec.timeZoneId;
  }

  /** The session of trade date `day` (day number), or null if that date has none. */
  sessionOf(day: number, outsideRth: boolean): Session | null {
    const key = `${outsideRth ? 'T' : 'L'}${day}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const date = dayNumberToDate(day);
    const s = sessionOnDay(this.spec.calendar, day);
    const w = s === undefined ? undefined : outsideRth ? s.extended : s.regular;
    // A day without liquid hours (CME's Good Friday short session) has no regular session.
    const session: Session | null =
      w === undefined || w.closeMs <= w.openMs
        ? null
        : {
            dayNumber: day,
            tradeDate: `${date.year}${String(date.month).padStart(2, '0')}${String(date.day).padStart(2, '0')}`,
            startMs: w.openMs,
            endMs: w.closeMs,
          };
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(key, session);
    return session;
  }

  private localDay(tMs: number): number {
    const w = toWall(this.spec.timeZoneId, tMs);
    return dayNumber(w.year, w.month, w.day);
  }

  /** The session containing tMs, if any. */
  sessionAt(tMs: number, outsideRth: boolean): Session | null {
    const today = this.localDay(tMs);
    for (const day of [today, today + 1]) {
      const s = this.sessionOf(day, outsideRth);
      if (s && s.startMs <= tMs && tMs < s.endMs) return s;
    }
    return null;
  }

  isOpen(tMs: number, outsideRth: boolean): boolean {
    return this.sessionAt(tMs, outsideRth) !== null;
  }

  /** The last session that started at or before tMs (the one in progress, or the most recent one). */
  lastSessionAtOrBefore(tMs: number, outsideRth: boolean): Session {
    let day = this.localDay(tMs) + 1;
    for (let i = 0; i < 30; i++, day--) {
      const s = this.sessionOf(day, outsideRth);
      if (s && s.startMs <= tMs) return s;
    }
    throw new Error(`no session within 30 days before ${new Date(tMs).toISOString()}`);
  }

  /** The first session that starts after tMs. */
  nextSessionAfter(tMs: number, outsideRth: boolean): Session {
    let day = this.localDay(tMs);
    for (let i = 0; i < 30; i++, day++) {
      const s = this.sessionOf(day, outsideRth);
      if (s && s.startMs > tMs) return s;
    }
    throw new Error(`no session within 30 days after ${new Date(tMs).toISOString()}`);
  }

  /** Sessions overlapping [fromMs, toMs), oldest first. */
  sessionsBetween(fromMs: number, toMs: number, outsideRth: boolean): Session[] {
    const out: Session[] = [];
    const last = this.localDay(toMs) + 1;
    for (let day = this.localDay(fromMs) - 1; day <= last; day++) {
      const s = this.sessionOf(day, outsideRth);
      if (s && s.endMs > fromMs && s.startMs < toMs) out.push(s);
    }
    return out;
  }

  /** The instant the price path is sampled at for tMs: tMs when open, else the end of the last session. */
  lastOpenInstant(tMs: number, outsideRth: boolean): number {
    if (this.isOpen(tMs, outsideRth)) return tMs;
    const s = this.lastSessionAtOrBefore(tMs, outsideRth);
    return Math.min(s.endMs - 1, tMs);
  }

  /**
   * IB's `tradingHours`/`liquidHours` text for a week: `YYYYMMDD:HHMM-YYYYMMDD:HHMM;…`, a holiday or weekend as
   * `YYYYMMDD:CLOSED` (as TWS shows them), early closes with their real close.
   */
  describe(fromMs: number, outsideRth: boolean, days = 7): string {
    const parts: string[] = [];
    const first = this.localDay(fromMs);
    for (let day = first; day < first + days; day++) {
      const s = this.sessionOf(day, outsideRth);
      const date = dayNumberToDate(day);
      const ymd = `${date.year}${String(date.month).padStart(2, '0')}${String(date.day).padStart(2, '0')}`;
      if (!s) {
        parts.push(`${ymd}:CLOSED`);
        continue;
      }
      parts.push(`${stamp(s.startMs, this.spec.timeZoneId)}-${stamp(s.endMs, this.spec.timeZoneId)}`);
    }
    return parts.join(';');
  }
}

function stamp(ms: number, zone: string): string {
  const w = toWall(zone, ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${w.year}${p(w.month)}${p(w.day)}:${p(w.hour)}${p(w.minute)}`;
}
