/** IB tick type ids (TickType.java) used by the streaming front, live and delayed variants. */

export const TICK = {
  BID_SIZE: 0,
  BID: 1,
  ASK: 2,
  ASK_SIZE: 3,
  LAST: 4,
  LAST_SIZE: 5,
  HIGH: 6,
  LOW: 7,
  VOLUME: 8,
  CLOSE: 9,
  BID_OPTION: 10,
  ASK_OPTION: 11,
  LAST_OPTION: 12,
  MODEL_OPTION: 13,
  OPEN: 14,
  LOW_13_WEEK: 15,
  HIGH_13_WEEK: 16,
  LOW_26_WEEK: 17,
  HIGH_26_WEEK: 18,
  LOW_52_WEEK: 19,
  HIGH_52_WEEK: 20,
  AVG_VOLUME: 21,
  OPTION_HISTORICAL_VOL: 23,
  OPTION_IMPLIED_VOL: 24,
  OPTION_CALL_OPEN_INTEREST: 27,
  OPTION_PUT_OPEN_INTEREST: 28,
  OPTION_CALL_VOLUME: 29,
  OPTION_PUT_VOLUME: 30,
  BID_EXCH: 32,
  ASK_EXCH: 33,
  MARK_PRICE: 37,
  LAST_TIMESTAMP: 45,
  SHORTABLE: 46,
  RT_VOLUME: 48,
  HALTED: 49,
  CUST_OPTION_COMPUTATION: 53,
  TRADE_COUNT: 54,
  TRADE_RATE: 55,
  VOLUME_RATE: 56,
  RT_HISTORICAL_VOL: 58,
  LAST_EXCH: 84,
  FUTURES_OPEN_INTEREST: 86,
  SHORTABLE_SHARES: 89,
} as const;

/** Live tick type → delayed tick type (marketDataType 3/4). */
export const DELAYED: Readonly<Record<number, number>> = {
  [TICK.BID]: 66,
  [TICK.ASK]: 67,
  [TICK.LAST]: 68,
  [TICK.BID_SIZE]: 69,
  [TICK.ASK_SIZE]: 70,
  [TICK.LAST_SIZE]: 71,
  [TICK.HIGH]: 72,
  [TICK.LOW]: 73,
  [TICK.VOLUME]: 74,
  [TICK.CLOSE]: 75,
  [TICK.OPEN]: 76,
  [TICK.LAST_TIMESTAMP]: 88,
  [TICK.BID_OPTION]: 80,
  [TICK.ASK_OPTION]: 81,
  [TICK.LAST_OPTION]: 82,
  [TICK.MODEL_OPTION]: 83,
};

/** Generic tick ids TWS accepts for reqMktData (others are refused with 321). */
export const LEGAL_GENERIC_TICKS = new Set([
  100, 101, 104, 105, 106, 162, 165, 221, 225, 232, 233, 236, 256, 258, 292, 293, 294, 295, 318, 375, 411, 456, 460,
  577, 588, 595, 614, 619,
]);

export const LEGAL_GENERIC_TEXT =
  '100(Option Volume),101(Option Open Interest),104(Historical Volatility),105(Average Option Volume),106(Option Implied Volatility),162(Index Future Premium),165(Miscellaneous Stats),221(Mark Price),225(Auction values),232(Mark Price),233(RTVolume),236(Shortable),256(Inventory),258(Fundamental Ratios),292(News),293(Trade Count),294(Trade Rate),295(Volume Rate),318(LastRTHTrade),375(RTTrdVolume),411(Realtime Historical Volatility),456(IBDividends),460(Bond Factor Multiplier),577(EtfNavLast),588(Futures Open Interest),595(Short-Term Volume X Mins),614(EtfNavMisc),619(Creditman Slow Mark Price)';
