/**
 * Bars from CSV text, columns found by header name (case-insensitive), so the usual layouts load as they are:
 * `Date,Open,High,Low,Close,Adj Close,Volume` (Yahoo), `timestamp_utc,open,high,low,close,volume`, `Date,Open,
 * Close,High,Low,Volume` (any column order), `Date,Time,Open,...` (date and time in two columns).
 * Times: epoch seconds or milliseconds, `YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|±hh:mm]`, `M/D/YYYY[ H:MM[:SS]]`, `YYYYMMDD
 * [HH:MM:SS]`. A time without an offset is read in `timeZone` (default UTC). `stamp: 'end'` for files that stamp
 * a bar at its end. A `.gz` file is gunzipped. Rows come out sorted by time; a malformed row is an error naming
 * its line, never skipped silently.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { localToInstant } from '@trading-system/contracts';
import type { InputBar } from '../engine.js';

export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
}

export interface CsvOptions {
  /** Zone of times without an offset (IANA name, default UTC). */
  readonly timeZone?: string;
  /** Whether a row's time is the bar's start (default) or end. */
  readonly stamp?: 'start' | 'end';
  /** Needed with stamp 'end': the bar length in ms. */
  readonly barMs?: number;
}

const TIME_NAMES = ['datetime', 'timestamp_utc', 'timestamp', 'date', 'time', 'ts'];

/** Epoch ms of a wall time in `zone`. */
export function wallToEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, zone: string): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return zone === 'UTC' ? asUtc : localToInstant(zone, asUtc);
}

/** Parses one time text; undefined when it is none of the supported shapes. */
export function parseTime(text: string, zone: string): number | undefined {
  const t = text.trim();
  if (/^\d{9,10}$/.test(t)) return Number(t) * 1000;
  if (/^\d{12,13}$/.test(t)) return Number(t);
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (m) {
    const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    const wall = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms] as const;
    const off = m[8];
    if (off === undefined) return wallToEpoch(...wall, zone);
    const utc = Date.UTC(wall[0], wall[1] - 1, wall[2], wall[3], wall[4], wall[5], wall[6]);
    if (off === 'Z') return utc;
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (m) return wallToEpoch(Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0, zone);
  m = /^(\d{4})(\d{2})(\d{2})(?:[\s-]+(\d{2}):(\d{2}):(\d{2}))?$/.exec(t);
  if (m) return wallToEpoch(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0, zone);
  return undefined;
}

export function parseCsvBars(text: string, options: CsvOptions = {}, where = 'csv'): InputBar[] {
  const zone = options.timeZone ?? 'UTC';
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase().replace(/^"|"$/g, ''));
  const col = (name: string): number => header.indexOf(name);
  const timeCol = TIME_NAMES.map(col).find((i) => i >= 0);
  const dateCol = col('date');
  const clockCol = col('time');
  const twoColumns = dateCol >= 0 && clockCol >= 0 && dateCol !== clockCol;
  const cols = { open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
  if (timeCol === undefined || cols.open < 0 || cols.high < 0 || cols.low < 0 || cols.close < 0)
    throw new DataFormatError(`${where}: the header needs a time column (date, timestamp, ...) and open, high, low, close; got ${header.join(',')}`);
  const shift = options.stamp === 'end' ? -(options.barMs ?? 0) : 0;
  const out: InputBar[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const f = line.split(',');
    const timeText = twoColumns ? `${f[dateCol]} ${f[clockCol]}` : (f[timeCol] ?? '');
    const time = parseTime(timeText.replace(/"/g, ''), zone);
    const num = (c: number): number => Number(f[c]);
    const bar = {
      time: time === undefined ? Number.NaN : time + shift,
      open: num(cols.open),
      high: num(cols.high),
      low: num(cols.low),
      close: num(cols.close),
      volume: cols.volume >= 0 && f[cols.volume] !== undefined && f[cols.volume] !== '' ? num(cols.volume) : 0,
    };
    if (![bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume].every(Number.isFinite))
      throw new DataFormatError(`${where}:${i + 1}: cannot read '${line}'`);
    out.push(bar);
  }
  out.sort((a, b) => a.time - b.time);
  return out;
}

export function readCsvBars(file: string, options: CsvOptions = {}): InputBar[] {
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
  return parseCsvBars(text, options, file);
}
