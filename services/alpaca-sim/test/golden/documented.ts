/**
 * The shapes of Alpaca's documented examples (Trading API v2 and Market Data API v2 references, and the
 * streaming pages), written down as field → kind. Only the fields and their kinds are taken from the docs; the
 * values are the sim's. Where the docs' example shows a field as null that is a decimal once set (limit_price,
 * filled_avg_price), both kinds are allowed.
 */
import type { Shape } from './shape.js';

export const ACCOUNT: Shape = {
  id: 'uuid',
  account_number: 'string',
  status: 'string',
  currency: 'string',
  cash: 'decimal',
  portfolio_value: 'decimal',
  equity: 'decimal',
  last_equity: 'decimal',
  buying_power: 'decimal',
  regt_buying_power: 'decimal',
  daytrading_buying_power: 'decimal',
  non_marginable_buying_power: 'decimal',
  initial_margin: 'decimal',
  maintenance_margin: 'decimal',
  last_maintenance_margin: 'decimal',
  long_market_value: 'decimal',
  short_market_value: 'decimal',
  multiplier: 'decimal',
  sma: 'decimal',
  accrued_fees: 'decimal',
  daytrade_count: 'integer',
  pattern_day_trader: 'boolean',
  trading_blocked: 'boolean',
  transfers_blocked: 'boolean',
  account_blocked: 'boolean',
  trade_suspended_by_user: 'boolean',
  shorting_enabled: 'boolean',
  created_at: 'timestamp',
};

export const ORDER: Shape = {
  id: 'uuid',
  client_order_id: 'string',
  created_at: 'timestamp',
  updated_at: 'timestamp',
  submitted_at: 'timestamp',
  filled_at: ['timestamp', 'null'],
  expired_at: ['timestamp', 'null'],
  canceled_at: ['timestamp', 'null'],
  failed_at: ['timestamp', 'null'],
  replaced_at: ['timestamp', 'null'],
  replaced_by: ['uuid', 'null'],
  replaces: ['uuid', 'null'],
  asset_id: 'uuid',
  symbol: 'string',
  asset_class: 'string',
  notional: ['decimal', 'null'],
  qty: ['decimal', 'null'],
  filled_qty: 'decimal',
  filled_avg_price: ['decimal', 'null'],
  order_class: 'string',
  order_type: 'string',
  type: 'string',
  side: 'string',
  time_in_force: 'string',
  limit_price: ['decimal', 'null'],
  stop_price: ['decimal', 'null'],
  status: 'string',
  extended_hours: 'boolean',
  legs: 'null',
  trail_percent: ['decimal', 'null'],
  trail_price: ['decimal', 'null'],
  hwm: ['decimal', 'null'],
};

export const POSITION: Shape = {
  asset_id: 'uuid',
  symbol: 'string',
  exchange: 'string',
  asset_class: 'string',
  avg_entry_price: 'decimal',
  qty: 'decimal',
  qty_available: 'decimal',
  side: 'string',
  market_value: 'decimal',
  cost_basis: 'decimal',
  unrealized_pl: 'decimal',
  unrealized_plpc: 'decimal',
  unrealized_intraday_pl: 'decimal',
  unrealized_intraday_plpc: 'decimal',
  current_price: 'decimal',
  lastday_price: 'decimal',
  change_today: 'decimal',
};

export const ASSET: Shape = {
  id: 'uuid',
  class: 'string',
  exchange: 'string',
  symbol: 'string',
  name: 'string',
  status: 'string',
  tradable: 'boolean',
  marginable: 'boolean',
  shortable: 'boolean',
  easy_to_borrow: 'boolean',
  fractionable: 'boolean',
  attributes: 'string[]',
};

export const CRYPTO_ASSET: Shape = {
  ...ASSET,
  min_order_size: 'decimal',
  min_trade_increment: 'decimal',
  price_increment: 'decimal',
};

export const CLOCK: Shape = {
  timestamp: 'timestamp',
  is_open: 'boolean',
  next_open: 'timestamp',
  next_close: 'timestamp',
};

export const CANCEL_ALL_ITEM: Shape = { id: 'uuid', status: 'integer', body: 'object' };

export const ERROR_BODY: Shape = { code: 'integer', message: 'string' };

export const BAR: Shape = {
  t: 'timestamp',
  o: 'number',
  h: 'number',
  l: 'number',
  c: 'number',
  v: 'number',
  n: 'integer',
  vw: 'number',
};

export const BARS_SINGLE: Shape = { bars: ['array', 'null'], symbol: 'string', next_page_token: ['string', 'null'] };
export const BARS_MULTI: Shape = { bars: 'object', next_page_token: ['string', 'null'] };

export const STOCK_QUOTE: Shape = {
  t: 'timestamp',
  ax: 'string',
  ap: 'number',
  as: 'number',
  bx: 'string',
  bp: 'number',
  bs: 'number',
  c: 'string[]',
  z: 'string',
};

export const CRYPTO_QUOTE: Shape = { t: 'timestamp', bp: 'number', bs: 'number', ap: 'number', as: 'number' };

export const STOCK_TRADE: Shape = {
  t: 'timestamp',
  x: 'string',
  p: 'number',
  s: 'number',
  c: 'string[]',
  i: 'integer',
  z: 'string',
};

/** trade_updates `data`; fill and partial_fill add the execution fields. */
export const TRADE_UPDATE: Shape = { event: 'string', timestamp: 'timestamp', order: 'object' };
export const TRADE_UPDATE_FILL: Shape = {
  ...TRADE_UPDATE,
  execution_id: 'string',
  price: 'decimal',
  qty: 'decimal',
  position_qty: 'decimal',
};

export const STREAM_TRADE: Shape = { T: 'string', S: 'string', ...STOCK_TRADE };
export const STREAM_QUOTE: Shape = { T: 'string', S: 'string', ...STOCK_QUOTE };
export const STREAM_BAR: Shape = { T: 'string', S: 'string', ...BAR };
export const STREAM_SUBSCRIPTION: Shape = {
  T: 'string',
  trades: 'string[]',
  quotes: 'string[]',
  bars: 'string[]',
  updatedBars: 'string[]',
  dailyBars: 'string[]',
  statuses: 'string[]',
  lulds: 'string[]',
  corrections: 'string[]',
  cancelErrors: 'string[]',
};
