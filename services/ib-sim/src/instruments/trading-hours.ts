/**
 * Trading schedules. A schedule is a weekly pattern of sessions in the instrument's time zone; a session is
 * identified by its trade date and may start on the previous calendar day (CME Globex opens 17:00 CT the
 * evening before). Holidays are not modelled. Pure functions of time.
 */
import { dayNumber, dayNumberToDate, fromWall, toWall } from './time-zone.js';

export interface SessionTemplate {
  /** Weekdays (0 = Sunday) of the trade dates that have this session. */
  readonly weekdays: readonly number[];
  /** Start, in minutes from the trade date's local midnight; negative = previous evening. */
  readonly startMin: number;
  readonly endMin: number;
}

export interface ScheduleSpec {
  readonly timeZoneId: string;
  /** Full trading hours (useRTH=0, outsideRth orders). */
  readonly trading: SessionTemplate;
  /** Liquid / regular trading hours (useRTH=1). */
  readonly liquid: SessionTemplate;
}

export interface Session {
  /** Trade date as day number (days since epoch) and `yyyyMMdd`. */
  readonly dayNumber: number;
  readonly tradeDate: string;
  readonly startMs: number;
  readonly endMs: number;
}

const WEEKDAYS_MON_FRI = [1, 2, 3, 4, 5] as const;

export const SCHEDULES = {
  usEquity: {
    timeZoneId: 'US/Eastern',
    trading: { weekdays: WEEKDAYS_MON_FRI, startMin: 4 * 60, endMin: 20 * 60 },
    liquid: { weekdays: WEEKDAYS_MON_FRI, startMin: 9 * 60 + 30, endMin: 16 * 60 },
  },
  usOption: {
    timeZoneId: 'US/Eastern',
    trading: { weekdays: WEEKDAYS_MON_FRI, startMin: 9 * 60 + 30, endMin: 16 * 60 },
    liquid: { weekdays: WEEKDAYS_MON_FRI, startMin: 9 * 60 + 30, endMin: 16 * 60 },
  },
  usIndex: {
    timeZoneId: 'US/Eastern',
    trading: { weekdays: WEEKDAYS_MON_FRI, startMin: 9 * 60 + 30, endMin: 16 * 60 + 15 },
    liquid: { weekdays: WEEKDAYS_MON_FRI, startMin: 9 * 60 + 30, endMin: 16 * 60 },
  },
  cmeGlobex: {
    timeZoneId: 'US/Central',
    trading: { weekdays: WEEKDAYS_MON_FRI, startMin: -7 * 60, endMin: 16 * 60 },
    liquid: { weekdays: WEEKDAYS_MON_FRI, startMin: 8 * 60 + 30, endMin: 15 * 60 },
  },
  idealPro: {
    timeZoneId: 'US/Eastern',
    trading: { weekdays: WEEKDAYS_MON_FRI, startMin: -(6 * 60 + 45), endMin: 17 * 60 },
    liquid: { weekdays: WEEKDAYS_MON_FRI, startMin: -(6 * 60 + 45), endMin: 17 * 60 },
  },
  metals: {
    timeZoneId: 'US/Eastern',
    trading: { weekdays: WEEKDAYS_MON_FRI, startMin: -6 * 60, endMin: 17 * 60 },
    liquid: { weekdays: WEEKDAYS_MON_FRI, startMin: -6 * 60, endMin: 17 * 60 },
  },
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
    const template = outsideRth ? this.spec.trading : this.spec.liquid;
    const date = dayNumberToDate(day);
    let session: Session | null = null;
    if (template.weekdays.includes(date.weekday)) {
      session = {
        dayNumber: day,
        tradeDate: `${date.year}${String(date.month).padStart(2, '0')}${String(date.day).padStart(2, '0')}`,
        startMs: fromWall(date.year, date.month, date.day, template.startMin, this.spec.timeZoneId),
        endMs: fromWall(date.year, date.month, date.day, template.endMin, this.spec.timeZoneId),
      };
    }
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(key, session);
    return session;
  }

  private localDay(tMs: number): number {
    const w = toWall(tMs, this.spec.timeZoneId);
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

  /** IB's `tradingHours`/`liquidHours` text: `YYYYMMDD:HHMM-YYYYMMDD:HHMM;…;YYYYMMDD:CLOSED` for a week. */
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
  const w = toWall(ms, zone);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${w.year}${p(w.month)}${p(w.day)}:${p(w.hour)}${p(w.minute)}`;
}
