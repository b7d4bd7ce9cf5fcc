/**
 * An independent recomputation of market-data's bars from the exact trades a client recorded (`md.trade.*`): the
 * documented rules (README.md, "Bars") written the plain way, sharing no code with src/ (its own time-zone
 * arithmetic too, via Intl's `longOffset` instead of wall-clock parts).
 * - every trade counts, at its price, size and `tsEventMs`;
 * - bucket: the latest session open ≤ t, then every timeframe, cut short at the next session open;
 * - a trade whose bucket starts before the newest bucket opened so far is dropped (bars are never reopened);
 * - OHLC from trade prices, volume the sum of sizes, count the number of trades.
 * Sizes are whole numbers in ib-sim, so they are summed exactly as BigInt.
 */
import type { Bar, Tick, Trade } from '@trading-system/contracts';

export type RefBar = Omit<Bar, 'broker' | 'instrumentId' | 'timeframe' | 'tsInitMs'>;

/** A tick as the client received it: the message and the client's receipt time (epoch ms). */
export interface Received {
  readonly tick: Tick;
  readonly atMs: number;
}

/** A trade as the client received it. */
export interface ReceivedTrade {
  readonly trade: Trade;
  readonly atMs: number;
}

/** A reference bar and when the client received its first trade (to tell bars before an outage from those after). */
export interface RefBarWithTiming {
  readonly bar: RefBar;
  readonly firstTradeAtMs: number;
}

export interface SessionRule {
  readonly zone: string;
  readonly openMinuteOfDay: number;
  /** Local weekdays (0 = Sunday) with a session open. */
  readonly weekdays: readonly number[];
}

/** README's session table: stocks and options 09:30 New York Mon–Fri, futures 17:00 Chicago Sun–Thu. */
export function sessionRuleOf(secType: string): SessionRule {
  if (secType === 'STK' || secType === 'OPT' || secType === 'IND')
    return { zone: 'America/New_York', openMinuteOfDay: 9 * 60 + 30, weekdays: [1, 2, 3, 4, 5] };
  if (secType === 'FUT') return { zone: 'America/Chicago', openMinuteOfDay: 17 * 60, weekdays: [0, 1, 2, 3, 4] };
  throw new Error(`the reference covers STK, OPT, IND and FUT only, not ${secType}`);
}

const DAY = 86_400_000;
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** UTC offset of `zone` at instant t, ms (from the `GMT-04:00` style zone name). */
function offsetMs(zone: string, t: number): number {
  let f = offsetFormats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, f);
  }
  const name = f.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  if (m === null) return 0; // plain "GMT"
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return (m[1] === '-' ? -minutes : minutes) * 60_000;
}

/** Session opens (epoch ms) of the local days from 8 days before to 8 days after t, ascending. */
function opensAround(rule: SessionRule, t: number): number[] {
  const out = new Set<number>();
  for (let d = -8; d <= 8; d++) {
    const local = new Date(t + d * DAY + offsetMs(rule.zone, t + d * DAY));
    if (!rule.weekdays.includes(local.getUTCDay())) continue;
    const wall =
      Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + rule.openMinuteOfDay * 60_000;
    const guess = wall - offsetMs(rule.zone, wall);
    out.add(wall - offsetMs(rule.zone, guess));
  }
  return [...out].sort((a, b) => a - b);
}

export function bucketStartEnd(rule: SessionRule, tfMs: number, t: number): { start: number; end: number } {
  const opens = opensAround(rule, t);
  const anchor = opens.filter((o) => o <= t).pop();
  if (anchor === undefined) throw new Error(`no session open before ${new Date(t).toISOString()}`);
  const next = opens.find((o) => o > anchor) ?? Number.POSITIVE_INFINITY;
  const start = anchor + Math.floor((t - anchor) / tfMs) * tfMs;
  return { start, end: Math.min(start + tfMs, next) };
}

interface Building {
  bar: RefBar;
  volume: bigint;
  firstTradeAtMs: number;
}

function whole(decimal: string): bigint {
  if (!/^\d+$/.test(decimal)) throw new Error(`reference: ${decimal} is not a whole number`);
  return BigInt(decimal);
}

export function referenceBars(trades: readonly ReceivedTrade[], tfMs: number, rule: SessionRule): RefBarWithTiming[] {
  const bars: Building[] = [];
  // Buckets tile time: a trade inside the last bucket looked up is in that bucket (the lookup formats dates for
  // 17 days of session opens; done per trade it cost ~10 s of the acceptance run's 50,000 trades × 2 timeframes).
  let last: { start: number; end: number } | undefined;
  for (const { trade, atMs } of trades) {
    const newest = bars[bars.length - 1];
    const size = whole(trade.size);
    const price = trade.price;
    const t = trade.tsEventMs;
    if (last === undefined || t < last.start || t >= last.end) last = bucketStartEnd(rule, tfMs, t);
    const { start, end } = last;
    if (newest !== undefined && start < newest.bar.tsStartMs) continue;
    if (newest !== undefined && start === newest.bar.tsStartMs) {
      const b = newest.bar;
      if (Number(price) > Number(b.high)) b.high = price;
      if (Number(price) < Number(b.low)) b.low = price;
      b.close = price;
      newest.volume += size;
      b.volume = String(newest.volume);
      b.count = (b.count ?? 0) + 1;
      continue;
    }
    bars.push({
      bar: {
        v: 1,
        complete: true,
        tsStartMs: start,
        tsEndMs: end,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: String(size),
        count: 1,
        gap: false,
      },
      volume: size,
      firstTradeAtMs: atMs,
    });
  }
  return bars.map(({ bar, firstTradeAtMs }) => ({ bar, firstTradeAtMs }));
}
