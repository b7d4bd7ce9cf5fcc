/**
 * The instrument catalog: stocks, FX pairs, quarterly futures, option chains, gold and the SPX index.
 * Built once from a reference instant (derivative expiries are listed relative to it); every conId is stable
 * across runs (real IB conIds for the well-known contracts, a hash of the contract's identity otherwise).
 */

import { dayNumber, dayNumberToDate, toWall } from '@trading-system/contracts';
import { hashString } from '../market/hash.js';
import {
  FUT_ORDER_TYPES,
  FUTURE_ROOTS,
  type FutureRootSpec,
  FX_ORDER_TYPES,
  FX_PAIRS,
  OPT_ORDER_TYPES,
  OPTION_ROOTS,
  type OptionRootSpec,
  STOCK_EXCHANGES,
  STOCK_ORDER_TYPES,
  STOCKS,
} from './catalog-data.js';
import type { Instrument } from './instrument.js';
import { SCHEDULES, TradingSchedule } from './trading-hours.js';

const schedules = {
  usEquity: new TradingSchedule(SCHEDULES.usEquity),
  usOption: new TradingSchedule(SCHEDULES.usOption),
  usIndex: new TradingSchedule(SCHEDULES.usIndex),
  cmeGlobex: new TradingSchedule(SCHEDULES.cmeGlobex),
  cmeFx: new TradingSchedule(SCHEDULES.cmeFx),
  idealPro: new TradingSchedule(SCHEDULES.idealPro),
  metals: new TradingSchedule(SCHEDULES.metals),
};

const DEFAULTS = {
  industry: '',
  category: '',
  subcategory: '',
  stockType: '',
  underConId: 0,
  underSymbol: '',
  underSecType: '',
  lastTradeDate: '',
  contractMonth: '',
  strike: 0,
  right: '',
  multiplier: 1,
  primaryExchange: '',
  hasTrades: true,
} as const;

const ymd = (day: number): string => {
  const d = dayNumberToDate(day);
  return `${d.year}${String(d.month).padStart(2, '0')}${String(d.day).padStart(2, '0')}`;
};

/** Day number of the n-th given weekday (0 = Sunday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = dayNumber(year, month, 1);
  const offset = (weekday - dayNumberToDate(first).weekday + 7) % 7;
  return first + offset + (n - 1) * 7;
}

const MONTH_CODES = 'FGHJKMNQUVXZ';

function stableConId(base: number, identity: string): number {
  return base + (hashString(identity) % 90_000_000);
}

function buildStocks(): Instrument[] {
  return STOCKS.map((s) => ({
    ...DEFAULTS,
    conId: s.conId,
    symbol: s.symbol,
    secType: 'STK',
    currency: 'USD',
    exchange: 'SMART',
    primaryExchange: s.primaryExchange,
    localSymbol: s.symbol,
    tradingClass: s.primaryExchange === 'NASDAQ' ? 'NMS' : s.symbol,
    marketName: s.primaryExchange === 'NASDAQ' ? 'NMS' : s.symbol,
    longName: s.longName,
    minTick: 0.01,
    validExchanges: STOCK_EXCHANGES,
    orderTypes: STOCK_ORDER_TYPES,
    stockType: s.stockType,
    industry: s.industry,
    category: s.category,
    minSize: '0.0001',
    sizeIncrement: '0.0001',
    suggestedSizeIncrement: '100',
    schedule: schedules.usEquity,
    marketDataFarm: 'usfarm',
    basePrice: s.basePrice,
    annualVol: s.annualVol,
    dailyVolume: s.dailyVolume,
    spreadTicks: 1,
    tickIntervalMs: 250,
  }));
}

function buildFx(): Instrument[] {
  return FX_PAIRS.map((p) => ({
    ...DEFAULTS,
    conId: p.conId,
    symbol: p.base,
    secType: 'CASH',
    currency: p.quote,
    exchange: 'IDEALPRO',
    localSymbol: `${p.base}.${p.quote}`,
    tradingClass: `${p.base}.${p.quote}`,
    marketName: `${p.base}.${p.quote}`,
    longName: p.longName,
    minTick: p.minTick,
    validExchanges: 'IDEALPRO',
    orderTypes: FX_ORDER_TYPES,
    minSize: '1',
    sizeIncrement: '1',
    suggestedSizeIncrement: '20000',
    schedule: schedules.idealPro,
    marketDataFarm: 'cashfarm',
    basePrice: p.basePrice,
    annualVol: 0.08,
    dailyVolume: 0,
    spreadTicks: 2,
    tickIntervalMs: 5,
    hasTrades: false,
  }));
}

function futureExpiry(root: FutureRootSpec, year: number, month: number): number {
  if (root.expiryRule === 'thirdFriday') return nthWeekday(year, month, 5, 3);
  return nthWeekday(year, month, 3, 3) - 2;
}

function buildFutures(todayDay: number): Instrument[] {
  const out: Instrument[] = [];
  const today = dayNumberToDate(todayDay);
  for (const root of FUTURE_ROOTS) {
    const tradingClass = root.symbol === 'EUR' ? '6E' : root.symbol;
    // Quarterly contracts from 2023 (so replayed 2024 data has its contract) to four quarters ahead.
    for (let year = 2023; year <= today.year + 1; year++) {
      for (const month of [3, 6, 9, 12]) {
        const expiryDay = futureExpiry(root, year, month);
        if (expiryDay > todayDay + 400) continue;
        const code = MONTH_CODES[month - 1];
        const localSymbol = `${tradingClass}${code}${year % 10}`;
        const lastTradeDate = ymd(expiryDay);
        out.push({
          ...DEFAULTS,
          conId: stableConId(400_000_000, `FUT:${tradingClass}:${lastTradeDate}`),
          symbol: root.symbol,
          secType: 'FUT',
          currency: 'USD',
          exchange: root.exchange,
          localSymbol,
          tradingClass,
          marketName: tradingClass,
          longName: root.longName,
          lastTradeDate,
          contractMonth: `${year}${String(month).padStart(2, '0')}`,
          multiplier: root.multiplier,
          minTick: root.minTick,
          validExchanges: root.exchange,
          orderTypes: FUT_ORDER_TYPES,
          underConId: root.underConId,
          underSymbol: root.symbol,
          underSecType: root.underSecType,
          minSize: '1',
          sizeIncrement: '1',
          suggestedSizeIncrement: '1',
          schedule: root.symbol === 'EUR' ? schedules.cmeFx : schedules.cmeGlobex,
          marketDataFarm: 'usfuture',
          basePrice: 0,
          annualVol: 0,
          dailyVolume: root.dailyVolume,
          spreadTicks: 1,
          tickIntervalMs: 250,
        });
      }
    }
  }
  return out;
}

function buildOptions(root: OptionRootSpec, underlying: Instrument, todayDay: number): Instrument[] {
  const expiries = new Set<number>();
  const todayWeekday = dayNumberToDate(todayDay).weekday;
  const nextFriday = todayDay + ((5 - todayWeekday + 7) % 7);
  for (let w = 0; w < 4; w++) expiries.add(nextFriday + 7 * w);
  const today = dayNumberToDate(todayDay);
  for (let m = 0; m < 7; m++) {
    const month = ((today.month - 1 + m) % 12) + 1;
    const year = today.year + Math.floor((today.month - 1 + m) / 12);
    const third = nthWeekday(year, month, 5, 3);
    if (third >= todayDay) expiries.add(third);
  }
  const center = Math.round(underlying.basePrice / root.strikeStep) * root.strikeStep;
  const out: Instrument[] = [];
  for (const expiryDay of [...expiries].sort((a, b) => a - b).slice(0, 10)) {
    const lastTradeDate = ymd(expiryDay);
    for (let k = -root.strikesEachSide; k <= root.strikesEachSide; k++) {
      const strike = center + k * root.strikeStep;
      for (const right of ['C', 'P'] as const) {
        const occ = `${root.symbol.padEnd(6, ' ')}${lastTradeDate.slice(2)}${right}${String(Math.round(strike * 1000)).padStart(8, '0')}`;
        out.push({
          ...DEFAULTS,
          conId: stableConId(600_000_000, `OPT:${occ}`),
          symbol: root.symbol,
          secType: 'OPT',
          currency: 'USD',
          exchange: 'SMART',
          localSymbol: occ,
          tradingClass: root.symbol,
          marketName: root.symbol,
          longName: underlying.longName,
          lastTradeDate,
          contractMonth: lastTradeDate.slice(0, 6),
          strike,
          right,
          multiplier: 100,
          minTick: 0.01,
          validExchanges:
            'SMART,AMEX,BATS,BOX,CBOE,CBOE2,EDGX,EMERALD,GEMINI,ISE,MERCURY,MIAX,NASDAQOM,PEARL,PHLX,PSE,SAPPHIRE',
          orderTypes: OPT_ORDER_TYPES,
          underConId: underlying.conId,
          underSymbol: root.symbol,
          underSecType: 'STK',
          minSize: '1',
          sizeIncrement: '1',
          suggestedSizeIncrement: '1',
          schedule: schedules.usOption,
          marketDataFarm: 'usopt',
          basePrice: 0,
          annualVol: underlying.annualVol,
          dailyVolume: 5_000,
          spreadTicks: 3,
          tickIntervalMs: 100,
        });
      }
    }
  }
  return out;
}

function buildOthers(): Instrument[] {
  return [
    {
      ...DEFAULTS,
      conId: 69067924,
      symbol: 'XAUUSD',
      secType: 'CMDTY',
      currency: 'USD',
      exchange: 'SMART',
      localSymbol: 'XAUUSD',
      tradingClass: 'XAUUSD',
      marketName: 'XAUUSD',
      longName: 'London Gold Spot',
      minTick: 0.01,
      validExchanges: 'SMART',
      orderTypes: FX_ORDER_TYPES,
      minSize: '1',
      sizeIncrement: '1',
      suggestedSizeIncrement: '1',
      schedule: schedules.metals,
      marketDataFarm: 'usfarm',
      basePrice: 2350,
      annualVol: 0.15,
      dailyVolume: 0,
      spreadTicks: 30,
      tickIntervalMs: 250,
      hasTrades: false,
    },
    {
      ...DEFAULTS,
      conId: 416904,
      symbol: 'SPX',
      secType: 'IND',
      currency: 'USD',
      exchange: 'CBOE',
      localSymbol: 'SPX',
      tradingClass: 'SPX',
      marketName: 'SPX',
      longName: 'S&P 500 Stock Index',
      minTick: 0.01,
      validExchanges: 'CBOE',
      orderTypes: '',
      minSize: '1',
      sizeIncrement: '1',
      suggestedSizeIncrement: '1',
      schedule: schedules.usIndex,
      marketDataFarm: 'usfarm',
      basePrice: 5000,
      annualVol: 0.16,
      dailyVolume: 0,
      spreadTicks: 0,
      tickIntervalMs: 250,
    },
  ];
}

export class Catalog {
  private readonly byConId = new Map<number, Instrument>();

  constructor(readonly instruments: readonly Instrument[]) {
    for (const instrument of instruments) {
      if (this.byConId.has(instrument.conId)) throw new Error(`duplicate conId ${instrument.conId}`);
      this.byConId.set(instrument.conId, instrument);
    }
  }

  get(conId: number): Instrument | undefined {
    return this.byConId.get(conId);
  }

  /** Listing date from which history exists (reqHeadTimestamp): fixed per kind, far enough back for replays. */
  headTimestampMs(instrument: Instrument): number {
    if (instrument.secType === 'OPT') return Date.UTC(Number(instrument.lastTradeDate.slice(0, 4)) - 1, 0, 3, 14, 30);
    if (instrument.secType === 'FUT') {
      const y = Number(instrument.lastTradeDate.slice(0, 4));
      return Date.UTC(y - 2, Number(instrument.lastTradeDate.slice(4, 6)) - 1, 1, 23);
    }
    if (instrument.conId === 265598) return Date.UTC(1980, 11, 12, 14, 30);
    return Date.UTC(2004, 0, 2, 14, 30);
  }
}

/** Builds the catalog; `nowMs` decides which derivative expiries are listed (today's chain). */
export function buildCatalog(nowMs: number): Catalog {
  const et = toWall('US/Eastern', nowMs);
  const todayDay = dayNumber(et.year, et.month, et.day);
  const stocks = buildStocks();
  const options = OPTION_ROOTS.flatMap((root) => {
    const underlying = stocks.find((s) => s.conId === root.underConId);
    if (!underlying) throw new Error(`option root ${root.symbol} has no underlying in the catalog`);
    return buildOptions(root, underlying, todayDay);
  });
  return new Catalog([...stocks, ...buildFx(), ...buildFutures(todayDay), ...options, ...buildOthers()]);
}
