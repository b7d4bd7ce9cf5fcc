/**
 * Alpaca's JSON, as far as we read it: the fields of the documented objects the gateway uses, checked at the
 * boundary so a changed or broken reply fails loudly here instead of deep in the mapping. Unknown fields pass.
 */
import { z } from 'zod';

const num = z.string();
const nullableNum = z.string().nullable().optional();

export const AlpacaOrder = z.looseObject({
  id: z.string(),
  client_order_id: z.string(),
  created_at: z.string(),
  submitted_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
  filled_at: z.string().nullable().optional(),
  replaced_by: z.string().nullable().optional(),
  replaces: z.string().nullable().optional(),
  asset_id: z.string(),
  symbol: z.string(),
  asset_class: z.string().optional(),
  qty: nullableNum,
  filled_qty: num,
  filled_avg_price: nullableNum,
  type: z.string(),
  side: z.enum(['buy', 'sell']),
  time_in_force: z.string(),
  limit_price: nullableNum,
  stop_price: nullableNum,
  status: z.string(),
  extended_hours: z.boolean().optional(),
});
export type AlpacaOrder = z.infer<typeof AlpacaOrder>;

export const AlpacaAccount = z.looseObject({
  id: z.string(),
  account_number: z.string(),
  currency: z.string(),
  cash: num,
  equity: num,
  buying_power: num,
  portfolio_value: num.optional(),
  long_market_value: num.optional(),
  short_market_value: num.optional(),
  initial_margin: num.optional(),
  maintenance_margin: num.optional(),
  non_marginable_buying_power: num.optional(),
});
export type AlpacaAccount = z.infer<typeof AlpacaAccount>;

export const AlpacaPosition = z.looseObject({
  asset_id: z.string(),
  symbol: z.string(),
  asset_class: z.string(),
  qty: num,
  avg_entry_price: num,
  market_value: nullableNum,
  current_price: nullableNum,
  unrealized_pl: nullableNum,
});
export type AlpacaPosition = z.infer<typeof AlpacaPosition>;

export const AlpacaAsset = z.looseObject({
  id: z.string(),
  class: z.string(),
  exchange: z.string(),
  symbol: z.string(),
  name: z.string().optional(),
  status: z.string(),
  tradable: z.boolean(),
  fractionable: z.boolean().optional(),
  min_order_size: z.string().optional(),
  min_trade_increment: z.string().optional(),
  price_increment: z.string().optional(),
});
export type AlpacaAsset = z.infer<typeof AlpacaAsset>;

/** A stock quote of the Market Data API (latest quote, stream `q` message). */
export const AlpacaQuote = z.looseObject({
  t: z.string(),
  bp: z.number(),
  bs: z.number(),
  ap: z.number(),
  as: z.number(),
});
export type AlpacaQuote = z.infer<typeof AlpacaQuote>;

export const AlpacaLatestQuote = z.looseObject({ symbol: z.string(), quote: AlpacaQuote });
/** GET /v1beta3/crypto/us/latest/quotes: the latest quote of each asked pair, by symbol. */
export const AlpacaLatestCryptoQuotes = z.looseObject({ quotes: z.record(z.string(), AlpacaQuote) });

/** One event of the `trade_updates` stream. */
export const AlpacaTradeUpdate = z.looseObject({
  event: z.string(),
  timestamp: z.string().optional(),
  order: AlpacaOrder,
  execution_id: z.string().optional(),
  price: z.string().optional(),
  qty: z.string().optional(),
  position_qty: z.string().optional(),
});
export type AlpacaTradeUpdate = z.infer<typeof AlpacaTradeUpdate>;

/** Alpaca's error body: `{ code, message }` (the data host sometimes sends only `message`). */
export const AlpacaErrorBody = z.looseObject({ code: z.number().optional(), message: z.string().optional() });

/** One bar of the Market Data API (REST and stream `b` messages). */
export const AlpacaBar = z.looseObject({
  t: z.string(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  n: z.number().optional(),
  vw: z.number().optional(),
});
export type AlpacaBar = z.infer<typeof AlpacaBar>;

/** GET /v2/stocks/{symbol}/bars: one page (`bars` is null when the page is empty). */
export const AlpacaBarsPage = z.looseObject({
  bars: z.array(AlpacaBar).nullable(),
  next_page_token: z.string().nullable().optional(),
});

/**
 * GET /v1beta3/crypto/us/bars: one page, bars by pair (`{ "BTC/USD": [...] }`; a pair with none is left out, and
 * Alpaca has sent `bars: null` for an empty page). Volumes are fractional (coins, not shares).
 */
export const AlpacaCryptoBarsPage = z.looseObject({
  bars: z.record(z.string(), z.array(AlpacaBar)).nullable(),
  next_page_token: z.string().nullable().optional(),
});

/** GET /v2/clock: the broker's time and whether the market is open. */
export const AlpacaClock = z.looseObject({ timestamp: z.string(), is_open: z.boolean() });
