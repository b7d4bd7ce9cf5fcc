/**
 * The real market-data files shipped with ib-sim (`services/ib-sim/data`, origins and licences in its SOURCES.md),
 * as backtest inputs: `--data sim:6E`. Each entry says how to read the file and what instrument it is.
 */
import { join } from 'node:path';
import type { BarSeriesInput } from '../engine.js';
import type { InstrumentOptions } from '../instruments.js';
import { DataFormatError, readCsvBars } from './csv.js';

export interface ShippedSeries {
  readonly name: string;
  readonly file: string;
  readonly timeframe: string;
  readonly description: string;
  readonly instrument: InstrumentOptions;
  readonly timeZone: string;
  readonly stamp: 'start' | 'end';
}

export const SHIPPED_DATA: readonly ShippedSeries[] = [
  {
    name: '6E',
    file: '6EH4.XCME_1min_bars_20240101_20240131.csv.gz',
    timeframe: '1m',
    description: 'CME Euro FX future Mar-2024 (6EH4), 1-minute bars, January 2024 (UTC, stamped at bar end)',
    instrument: { symbol: '6E', secType: 'FUT', exchange: 'CME', currency: 'USD', minTick: 0.00005, multiplier: 125_000 },
    timeZone: 'UTC',
    stamp: 'end',
  },
  {
    name: 'SPY',
    file: 'yahoofinance-SPY-20080101-20180101.csv',
    timeframe: '1d',
    description: 'SPY daily bars 2007-12-31 .. 2017-12-29 (Yahoo Finance)',
    instrument: { symbol: 'SPY', secType: 'STK', exchange: 'SMART', currency: 'USD', minTick: 0.01, multiplier: 1 },
    timeZone: 'UTC',
    stamp: 'start',
  },
  {
    name: 'AAPL',
    file: 'yahoofinance-AAPL-20040819-20180120.csv',
    timeframe: '1d',
    description: 'AAPL daily bars 2004-08-19 .. 2018-01-19, split-adjusted (Yahoo Finance)',
    instrument: { symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD', minTick: 0.01, multiplier: 1 },
    timeZone: 'UTC',
    stamp: 'start',
  },
  {
    name: 'SPX',
    file: 'SP500_NOV2019_IDay.csv',
    timeframe: '1m',
    description: 'S&P 500 index 1-minute bars 2019-11-05 .. 11-08 (US/Eastern); an index: orders on it are refused',
    instrument: { symbol: 'SPX', secType: 'IND', exchange: 'CBOE', currency: 'USD', minTick: 0.01, multiplier: 1 },
    timeZone: 'America/New_York',
    stamp: 'start',
  },
  {
    name: 'USDJPY',
    file: 'usdjpy-m1-bid-2013.csv',
    timeframe: '1m',
    description: 'USD.JPY 1-minute bid bars, February 2013 (FXCM); priced in JPY (use --currency JPY)',
    instrument: { symbol: 'USD', secType: 'CASH', exchange: 'IDEALPRO', currency: 'JPY', minTick: 0.005, multiplier: 1 },
    timeZone: 'UTC',
    stamp: 'start',
  },
];

export function shippedSeries(name: string): ShippedSeries {
  const found = SHIPPED_DATA.find((s) => s.name.toLowerCase() === name.toLowerCase());
  if (found === undefined)
    throw new DataFormatError(`no shipped data named '${name}'; there are ${SHIPPED_DATA.map((s) => s.name).join(', ')}`);
  return found;
}

/** Reads a shipped file from `dataDir` (ib-sim's data directory). */
export function loadShipped(name: string, dataDir: string): BarSeriesInput & { readonly timeframe: string } {
  const s = shippedSeries(name);
  const bars = readCsvBars(join(dataDir, s.file), { timeZone: s.timeZone, stamp: s.stamp, barMs: 60_000 });
  return { instrument: s.instrument, bars, length: bars.length, timeframe: s.timeframe };
}
