/**
 * Replay of the real data files in `services/ib-sim/data` (origins in data/SOURCES.md). Each file becomes a
 * sorted bar or quote series attached to one catalog conId; inside a series' date range prices come from the
 * file, outside it the synthetic path applies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { fromWall } from '@trading-system/contracts';

export interface ReplayBar {
  readonly startMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** undefined when the file has no volume (FX, index). */
  readonly volume: number | undefined;
}

export interface ReplayQuote {
  readonly tMs: number;
  readonly bid: number;
  readonly ask: number;
}

/** Bars of one resolution for one instrument, sorted by start. Daily series are keyed by trade date. */
export interface BarSeries {
  readonly conId: number;
  readonly resolution: 'day' | 'minute';
  readonly bars: readonly ReplayBar[];
  /** Daily series: `yyyyMMdd` → bar. */
  readonly byDate: ReadonlyMap<string, ReplayBar>;
  /** Which side the file's prices are (BID-only FX files get a synthetic spread). */
  readonly side: 'trades' | 'bid' | 'mid';
  readonly firstMs: number;
  readonly lastMs: number;
}

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

function rows(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(','));
}

function num(value: string | undefined, where: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || Number.isNaN(n)) throw new ReplayError(`bad number in ${where}`);
  return n;
}

function series(conId: number, resolution: 'day' | 'minute', side: BarSeries['side'], bars: ReplayBar[]): BarSeries {
  bars.sort((a, b) => a.startMs - b.startMs);
  const byDate = new Map<string, ReplayBar>();
  if (resolution === 'day') {
    for (const bar of bars) byDate.set(new Date(bar.startMs).toISOString().slice(0, 10).replaceAll('-', ''), bar);
  }
  const first = bars[0];
  const last = bars[bars.length - 1];
  if (!first || !last) throw new ReplayError(`empty replay series for conId ${conId}`);
  const span = resolution === 'day' ? 86_400_000 : 60_000;
  return { conId, resolution, bars, byDate, side, firstMs: first.startMs, lastMs: last.startMs + span };
}

/** Yahoo daily layout: Date,Open,High,Low,Close,Adj Close,Volume. startMs = the date at 00:00 UTC. */
function yahooDaily(conId: number, text: string, file: string): BarSeries {
  const bars = rows(text).map((r, i) => {
    const [date, o, h, l, c, , v] = r;
    const where = `${file}:${i + 2}`;
    return {
      startMs: Date.parse(`${date}T00:00:00Z`),
      open: num(o, where),
      high: num(h, where),
      low: num(l, where),
      close: num(c, where),
      volume: num(v, where),
    };
  });
  return series(conId, 'day', 'trades', bars);
}

/** mplfinance intraday: Date,Open,Close,High,Low,Volume with `M/D/YYYY H:MM` US/Eastern bar starts. */
function spxMinutes(conId: number, text: string, file: string): BarSeries {
  const bars = rows(text).map((r, i) => {
    const [date, o, c, h, l] = r;
    const where = `${file}:${i + 2}`;
    const m = /^(\d+)\/(\d+)\/(\d{4}) (\d+):(\d+)$/.exec(date ?? '');
    if (!m) throw new ReplayError(`bad date in ${where}`);
    const startMs = fromWall('US/Eastern', Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4]) * 60 + Number(m[5]));
    return {
      startMs,
      open: num(o, where),
      high: num(h, where),
      low: num(l, where),
      close: num(c, where),
      volume: undefined,
    };
  });
  return series(conId, 'minute', 'trades', bars);
}

/** nautilus CME layout: timestamp_utc,open,high,low,close,volume; the stamp is read as the bar's end. */
function cmeMinutes(conId: number, text: string, file: string): BarSeries {
  const bars = rows(text).map((r, i) => {
    const [ts, o, h, l, c, v] = r;
    const where = `${file}:${i + 2}`;
    return {
      startMs: Date.parse(`${(ts ?? '').replace(' ', 'T')}Z`) - 60_000,
      open: num(o, where),
      high: num(h, where),
      low: num(l, where),
      close: num(c, where),
      volume: num(v, where),
    };
  });
  return series(conId, 'minute', 'trades', bars);
}

/** FXCM layout: timestamp(+00:00),open,high,low,close — bid prices, no volume. */
function fxcmMinutes(conId: number, text: string, file: string): BarSeries {
  const bars = rows(text).map((r, i) => {
    const [ts, o, h, l, c] = r;
    const where = `${file}:${i + 2}`;
    return {
      startMs: Date.parse((ts ?? '').replace(' ', 'T')),
      open: num(o, where),
      high: num(h, where),
      low: num(l, where),
      close: num(c, where),
      volume: undefined,
    };
  });
  return series(conId, 'minute', 'bid', bars);
}

function truefxTicks(text: string, file: string): ReplayQuote[] {
  return rows(text).map((r, i) => {
    const [ts, bid, ask] = r;
    const where = `${file}:${i + 2}`;
    return { tMs: Date.parse((ts ?? '').replace(' ', 'T')), bid: num(bid, where), ask: num(ask, where) };
  });
}

export interface ReplayStore {
  readonly series: ReadonlyMap<number, readonly BarSeries[]>;
  readonly quotes: ReadonlyMap<number, readonly ReplayQuote[]>;
}

export const EMPTY_REPLAY: ReplayStore = { series: new Map(), quotes: new Map() };

/** conIds the files belong to; `sixEMarch2024` is the catalog's hash-derived conId of 6EH4. */
export interface ReplayTargets {
  readonly aapl: number;
  readonly spy: number;
  readonly spx: number;
  readonly usdJpy: number;
  readonly sixEMarch2024: number | undefined;
}

/** Loads every replay file (about 60k rows, tens of ms). Throws ReplayError on a malformed file. */
export function loadReplay(targets: ReplayTargets, dataDir = DEFAULT_DATA_DIR): ReplayStore {
  const read = (file: string): string => readFileSync(join(dataDir, file), 'latin1');
  const add = (map: Map<number, BarSeries[]>, s: BarSeries): void => {
    map.set(s.conId, [...(map.get(s.conId) ?? []), s]);
  };
  const seriesMap = new Map<number, BarSeries[]>();
  const aaplFile = 'yahoofinance-AAPL-20040819-20180120.csv';
  const spyFile = 'yahoofinance-SPY-20080101-20180101.csv';
  const spxFile = 'SP500_NOV2019_IDay.csv';
  const jpyFile = 'usdjpy-m1-bid-2013.csv';
  const sixEFile = '6EH4.XCME_1min_bars_20240101_20240131.csv.gz';
  const ticksFile = 'usdjpy-ticks.csv';
  add(seriesMap, yahooDaily(targets.aapl, read(aaplFile), aaplFile));
  add(seriesMap, yahooDaily(targets.spy, read(spyFile), spyFile));
  add(seriesMap, spxMinutes(targets.spx, read(spxFile), spxFile));
  add(seriesMap, fxcmMinutes(targets.usdJpy, read(jpyFile), jpyFile));
  if (targets.sixEMarch2024 !== undefined) {
    const text = gunzipSync(readFileSync(join(dataDir, sixEFile))).toString('latin1');
    add(seriesMap, cmeMinutes(targets.sixEMarch2024, text, sixEFile));
  }
  const quotes = new Map<number, ReplayQuote[]>([[targets.usdJpy, truefxTicks(read(ticksFile), ticksFile)]]);
  return { series: seriesMap, quotes };
}

/** Index of the last element with key ≤ t, or -1. */
export function floorIndex<T>(items: readonly T[], t: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const item = items[mid];
    if (item !== undefined && key(item) <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
