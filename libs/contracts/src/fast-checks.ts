import type { ZodType } from 'zod';
import { MAX_DECIMAL_LENGTH, SIGNED_DECIMAL_PATTERN } from './decimal.js';
import { HistStreamMessage, HistStreamMessageDecodedRows } from './history.js';
import { Instrument } from './instrument.js';
import { Tick, Trade } from './market-data.js';
import { Timeframe } from './timeframe.js';

/**
 * Hand-written validators for the hot subjects (ticks, trades, history bar chunks), used by the bus in front of the zod
 * schema they shadow. Zod stays the definition: a fast check only ever ANSWERS YES for a value the schema accepts
 * unchanged (no default to fill, no unknown key to strip), and returns undefined for everything else, after which
 * the bus runs the schema itself. So a bad message is still refused by zod, with zod's issues, and the fast path
 * cannot accept anything the schema would not (test/fast-checks.test.ts holds each check to its schema).
 * Cost: a year of 1-minute bars (~100k) costs ~250 ms in zod (five decimal checks of several regexes per bar),
 * a few ms here.
 *
 * A check that answers with the very value it was given (`{ value: v }`) has checked EVERY key of it as a JSON
 * primitive (string, finite number, boolean) or a plain object of finite numbers: the bus then skips re-parsing
 * its own JSON on the way out (`isFlatCheck`), since JSON cannot change such a value (a -0 arrives as 0, which
 * every number rule here accepts as well).
 */
export type FastCheck = (value: unknown) => { readonly value: unknown } | undefined;

const SIGNED_RE = new RegExp(SIGNED_DECIMAL_PATTERN);
const TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Price / SignedDecimal. */
function price(v: unknown): boolean {
  return typeof v === 'string' && v.length <= MAX_DECIMAL_LENGTH && SIGNED_RE.test(v);
}

/** Decimal (non-negative). */
function decimal(v: unknown): boolean {
  return typeof v === 'string' && v.length <= MAX_DECIMAL_LENGTH && v.charCodeAt(0) !== 45 && SIGNED_RE.test(v);
}

/** EpochMs, DurationMs, non-negative int. */
function epochMs(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function token(v: unknown): boolean {
  return typeof v === 'string' && TOKEN_RE.test(v);
}

/** True when every own key of `o` is in `known` (zod strips the others, so the value would change). */
function onlyKnownKeys(o: Obj, known: ReadonlySet<string>): boolean {
  for (const k in o) if (!known.has(k)) return false;
  return true;
}

const TICK_PRICES = ['bid', 'ask', 'last', 'open', 'high', 'low', 'close'] as const;
const TICK_SIZES = ['bidSize', 'askSize', 'lastSize', 'volume'] as const;
const TICK_KEYS = new Set<string>([
  'v',
  'broker',
  'instrumentId',
  'tsEventMs',
  'tsInitMs',
  'delayed',
  ...TICK_PRICES,
  ...TICK_SIZES,
  'greeks',
]);

/**
 * `OptionGreeks`: each key a finite number in the schema's range. A plain object only (JSON.stringify of a class
 * instance could differ from what was checked); JSON carries a finite number exactly.
 */
const GREEK_MIN: Readonly<Record<string, number>> = {
  iv: 0,
  delta: -1.5,
  gamma: Number.NEGATIVE_INFINITY,
  vega: Number.NEGATIVE_INFINITY,
  theta: Number.NEGATIVE_INFINITY,
  modelPrice: 0,
  underlyingPrice: 0,
  pvDividend: 0,
  bidIv: 0,
  askIv: 0,
  lastIv: 0,
};
const DELTA_MAX = 1.5;

function greeks(g: unknown): boolean {
  if (!isObject(g)) return false;
  const proto = Object.getPrototypeOf(g);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in g) {
    const min = Object.hasOwn(GREEK_MIN, k) ? GREEK_MIN[k] : undefined;
    const x = g[k];
    if (min === undefined || typeof x !== 'number' || !Number.isFinite(x) || x < min) return false;
    if (k === 'delta' && x > DELTA_MAX) return false;
  }
  return true;
}

/**
 * `Tick` (md.tick.*). An option's tick carries `greeks`: checked here too, since options are most of a wide
 * subscription (760 of ib-sim's 795 instruments) and zod plus a parse back cost more than the rest of the message.
 */
export function fastTick(v: unknown): { value: unknown } | undefined {
  if (!isObject(v) || v.v !== 1 || !token(v.broker)) return undefined;
  if (!token(v.instrumentId)) return undefined;
  if (!epochMs(v.tsEventMs) || !epochMs(v.tsInitMs) || typeof v.delayed !== 'boolean') return undefined;
  for (const k of TICK_PRICES) if (k in v && !price(v[k])) return undefined;
  for (const k of TICK_SIZES) if (k in v && !decimal(v[k])) return undefined;
  if ('greeks' in v && !greeks(v.greeks)) return undefined;
  return onlyKnownKeys(v, TICK_KEYS) ? { value: v } : undefined;
}

const TRADE_KEYS = new Set<string>([
  'v',
  'broker',
  'instrumentId',
  'price',
  'size',
  'volume',
  'tsEventMs',
  'tsInitMs',
  'delayed',
]);

/** `Trade` (md.trade.*): one per trade, a gateway's most frequent message on a wide subscription. */
export function fastTrade(v: unknown): { value: unknown } | undefined {
  if (!isObject(v) || v.v !== 1 || !token(v.broker) || !token(v.instrumentId)) return undefined;
  if (!price(v.price) || !decimal(v.size)) return undefined;
  if ('volume' in v && !decimal(v.volume)) return undefined;
  if (!epochMs(v.tsEventMs) || !epochMs(v.tsInitMs) || typeof v.delayed !== 'boolean') return undefined;
  return onlyKnownKeys(v, TRADE_KEYS) ? { value: v } : undefined;
}

const BAR_KEYS = new Set(['tsStartMs', 'tsEndMs', 'open', 'high', 'low', 'close', 'volume', 'wap', 'count', 'gap']);

/** One `BarData` with `gap` present (a missing `gap` takes zod's default, so it goes to zod). */
export function fastBar(b: unknown): boolean {
  if (!isObject(b)) return false;
  if (!epochMs(b.tsStartMs) || !epochMs(b.tsEndMs)) return false;
  if (!price(b.open) || !price(b.high) || !price(b.low) || !price(b.close) || !decimal(b.volume)) return false;
  if (typeof b.gap !== 'boolean') return false;
  if ('wap' in b && !price(b.wap)) return false;
  if ('count' in b && !epochMs(b.count)) return false;
  return onlyKnownKeys(b, BAR_KEYS);
}

const CHUNK_KEYS = new Set(['v', 'requestId', 'type', 'index', 'total', 'instrument', 'timeframe', 'bars']);

/**
 * `HistStreamMessage` (hist.stream.*): the `bars` chunk is checked here, its instrument and timeframe by their zod
 * schemas (once per chunk); progress, text and end messages are small and go to zod.
 */
export function fastHistStream(v: unknown): { value: unknown } | undefined {
  if (!isObject(v) || v.type !== 'bars' || v.v !== 1 || !token(v.requestId) || !epochMs(v.index)) return undefined;
  if ('total' in v && !(epochMs(v.total) && (v.total as number) > 0)) return undefined;
  if (!onlyKnownKeys(v, CHUNK_KEYS) || !Array.isArray(v.bars)) return undefined;
  if (!Timeframe.safeParse(v.timeframe).success) return undefined;
  const instrument = Instrument.safeParse(v.instrument);
  if (!instrument.success) return undefined;
  const bars = v.bars;
  for (let i = 0; i < bars.length; i++) if (!fastBar(bars[i])) return undefined;
  return { value: { ...v, instrument: instrument.data } };
}

const FAST_CHECKS = new Map<ZodType, FastCheck>([
  [Tick, fastTick],
  [Trade, fastTrade],
  [HistStreamMessage, fastHistStream],
  // The same `bars` chunks (only packed ones differ, and they go to zod in both).
  [HistStreamMessageDecodedRows, fastHistStream],
]);

/**
 * Checks that answer with the value itself, every key a checked JSON primitive or (a tick's greeks) a plain object
 * of finite numbers, which JSON carries unchanged too (see the top of this file).
 */
const FLAT_CHECKS = new Set<FastCheck>([fastTick, fastTrade]);

/** True for a check whose YES means the value is a flat record of checked JSON primitives. */
export function isFlatCheck(check: FastCheck): boolean {
  return FLAT_CHECKS.has(check);
}

/** The fast check shadowing `schema`, when there is one. */
export function fastCheckOf(schema: ZodType): FastCheck | undefined {
  return FAST_CHECKS.get(schema);
}
