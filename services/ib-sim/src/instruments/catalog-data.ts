/**
 * Static reference data for the catalog. conIds are IB's real ones where known (spec §3.3 and IB's public
 * contract search); derivatives get stable hash-derived conIds (see catalog.ts).
 */

export interface StockSpec {
  readonly conId: number;
  readonly symbol: string;
  readonly primaryExchange: string;
  readonly longName: string;
  readonly stockType: 'COMMON' | 'ETF';
  readonly industry: string;
  readonly category: string;
  readonly basePrice: number;
  readonly annualVol: number;
  readonly dailyVolume: number;
}

export const STOCKS: readonly StockSpec[] = [
  {
    conId: 265598,
    symbol: 'AAPL',
    primaryExchange: 'NASDAQ',
    longName: 'APPLE INC',
    stockType: 'COMMON',
    industry: 'Technology',
    category: 'Computers',
    basePrice: 190,
    annualVol: 0.28,
    dailyVolume: 55_000_000,
  },
  {
    conId: 756733,
    symbol: 'SPY',
    primaryExchange: 'ARCA',
    longName: 'SPDR S&P 500 ETF TRUST',
    stockType: 'ETF',
    industry: 'Funds',
    category: 'Equity Fund',
    basePrice: 500,
    annualVol: 0.16,
    dailyVolume: 70_000_000,
  },
  {
    conId: 272093,
    symbol: 'MSFT',
    primaryExchange: 'NASDAQ',
    longName: 'MICROSOFT CORP',
    stockType: 'COMMON',
    industry: 'Technology',
    category: 'Software',
    basePrice: 410,
    annualVol: 0.25,
    dailyVolume: 22_000_000,
  },
  {
    conId: 3691937,
    symbol: 'AMZN',
    primaryExchange: 'NASDAQ',
    longName: 'AMAZON.COM INC',
    stockType: 'COMMON',
    industry: 'Communications',
    category: 'Internet',
    basePrice: 180,
    annualVol: 0.32,
    dailyVolume: 40_000_000,
  },
  {
    conId: 4815747,
    symbol: 'NVDA',
    primaryExchange: 'NASDAQ',
    longName: 'NVIDIA CORP',
    stockType: 'COMMON',
    industry: 'Technology',
    category: 'Semiconductors',
    basePrice: 120,
    annualVol: 0.5,
    dailyVolume: 250_000_000,
  },
  {
    conId: 76792991,
    symbol: 'TSLA',
    primaryExchange: 'NASDAQ',
    longName: 'TESLA INC',
    stockType: 'COMMON',
    industry: 'Consumer, Cyclical',
    category: 'Auto Manufacturers',
    basePrice: 240,
    annualVol: 0.55,
    dailyVolume: 90_000_000,
  },
  {
    conId: 208813719,
    symbol: 'GOOGL',
    primaryExchange: 'NASDAQ',
    longName: 'ALPHABET INC-CL A',
    stockType: 'COMMON',
    industry: 'Communications',
    category: 'Internet',
    basePrice: 165,
    annualVol: 0.3,
    dailyVolume: 25_000_000,
  },
  {
    conId: 8314,
    symbol: 'IBM',
    primaryExchange: 'NYSE',
    longName: 'INTL BUSINESS MACHINES CORP',
    stockType: 'COMMON',
    industry: 'Technology',
    category: 'Computers',
    basePrice: 200,
    annualVol: 0.22,
    dailyVolume: 4_000_000,
  },
  {
    conId: 320227571,
    symbol: 'QQQ',
    primaryExchange: 'NASDAQ',
    longName: 'INVESCO QQQ TRUST SERIES 1',
    stockType: 'ETF',
    industry: 'Funds',
    category: 'Equity Fund',
    basePrice: 440,
    annualVol: 0.2,
    dailyVolume: 40_000_000,
  },
];

export interface FxSpec {
  readonly conId: number;
  readonly base: string;
  readonly quote: string;
  readonly longName: string;
  readonly minTick: number;
  readonly basePrice: number;
}

export const FX_PAIRS: readonly FxSpec[] = [
  {
    conId: 12087792,
    base: 'EUR',
    quote: 'USD',
    longName: 'European Monetary Union Euro',
    minTick: 0.00005,
    basePrice: 1.085,
  },
  { conId: 15016059, base: 'USD', quote: 'JPY', longName: 'US Dollar', minTick: 0.005, basePrice: 150 },
  { conId: 12087797, base: 'GBP', quote: 'USD', longName: 'British pound', minTick: 0.00005, basePrice: 1.27 },
  { conId: 14433401, base: 'AUD', quote: 'USD', longName: 'Australian dollar', minTick: 0.00005, basePrice: 0.66 },
  { conId: 15016062, base: 'USD', quote: 'CAD', longName: 'US Dollar', minTick: 0.00005, basePrice: 1.36 },
  { conId: 12087820, base: 'USD', quote: 'CHF', longName: 'US Dollar', minTick: 0.00005, basePrice: 0.88 },
];

export interface FutureRootSpec {
  readonly symbol: string;
  readonly exchange: string;
  readonly longName: string;
  readonly multiplier: number;
  readonly minTick: number;
  readonly underConId: number;
  readonly underSecType: 'IND' | 'CASH';
  /** conId of the catalog instrument whose path the future follows (plus carry). */
  readonly pathConId: number;
  readonly expiryRule: 'thirdFriday' | 'mondayBeforeThirdWednesday';
  readonly dailyVolume: number;
}

export const FUTURE_ROOTS: readonly FutureRootSpec[] = [
  {
    symbol: 'ES',
    exchange: 'CME',
    longName: 'E-mini S&P 500',
    multiplier: 50,
    minTick: 0.25,
    underConId: 11004968,
    underSecType: 'IND',
    pathConId: 416904,
    expiryRule: 'thirdFriday',
    dailyVolume: 1_500_000,
  },
  {
    symbol: 'EUR',
    exchange: 'CME',
    longName: 'European Monetary Union Euro',
    multiplier: 125000,
    minTick: 0.00005,
    underConId: 12087792,
    underSecType: 'CASH',
    pathConId: 12087792,
    expiryRule: 'mondayBeforeThirdWednesday',
    dailyVolume: 200_000,
  },
];

export interface OptionRootSpec {
  readonly underConId: number;
  readonly symbol: string;
  readonly strikeStep: number;
  readonly strikesEachSide: number;
}

export const OPTION_ROOTS: readonly OptionRootSpec[] = [
  { underConId: 265598, symbol: 'AAPL', strikeStep: 5, strikesEachSide: 8 },
  { underConId: 756733, symbol: 'SPY', strikeStep: 5, strikesEachSide: 10 },
];

export const STOCK_EXCHANGES =
  'SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,ISLAND,DRCTEDGE,BEX,BATS,EDGEA,BYX,IEX,NASDAQ,LTSE,PEARL,MEMX,IBEOS,OVERNIGHT';
export const STOCK_ORDER_TYPES =
  'ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,BENCHPX,COND,CONDORDER,DARKONLY,DARKPOLL,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,DUR,GAT,GTC,GTD,GTT,HID,IBKRATS,ICE,IMB,IOC,LIT,LMT,LOC,MIDPX,MIT,MKT,MOC,MTL,NGCOMB,NODARK,NONALGO,OCA,OPG,OPGREROUT,PEGBENCH,PEGMID,POSTATS,POSTONLY,PREOPGRTH,PRICECHK,REL,REL2MID,RELPCTOFS,RPI,RTH,SCALE,SCALEODD,SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,SWEEP,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF';
export const FX_ORDER_TYPES =
  'ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,CASH,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,RELPCTOFS,SCALE,SCALERST,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF';
export const FUT_ORDER_TYPES =
  'ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,LTH,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,SCALE,SCALERST,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF';
export const OPT_ORDER_TYPES =
  'ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,GAT,GTC,GTD,GTT,ICE,IOC,LIT,LMT,MIT,MKT,MTL,NONALGO,OCA,OPG,OPGREROUT,PEGMID,REL,SCALE,SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,VOLAT,WHATIF';
