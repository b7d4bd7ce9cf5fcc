/** Row types of the `history` schema (see migrations/0001-init.ts). bigint columns read back as strings;
 * columns the database fills (bigserial, defaults) are optional. */
export interface BarsTable {
  broker: string;
  instrument_id: string;
  bar_size: string;
  what_to_show: string;
  use_rth: boolean;
  ts_start_ms: string | number;
  ts_end_ms: string | number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  wap: string | null;
  count: number | null;
  gap: boolean;
  /** Generated: the bar's BarData JSON (migration 0002); never written. */
  json?: string;
  /** Generated: the bar's row of the packed chunk form (migration 0003); never written. */
  packed?: string;
}

/** Packed rows of a series' bars per block span (migration 0006, bar-blocks.ts), derived from `bars`. */
export interface BarBlocksTable {
  broker: string;
  instrument_id: string;
  bar_size: string;
  what_to_show: string;
  use_rth: boolean;
  block_ms: string | number;
  first_ms: string | number;
  last_ms: string | number;
  n: number;
  rows: string;
}

export interface CoverageTable {
  /** bigserial, set by the database. */
  id?: string;
  broker: string;
  instrument_id: string;
  bar_size: string;
  what_to_show: string;
  use_rth: boolean;
  start_ms: string | number;
  end_ms: string | number;
  bar_count: number;
  fetched_at?: Date;
}

export interface InstrumentsTable {
  broker: string;
  instrument_id: string;
  instrument: unknown;
  updated_at?: Date;
}

export interface OrdersTable {
  client_order_id: string;
  broker: string;
  account: string;
  instrument_id: string;
  symbol: string;
  strategy: string | null;
  state: string;
  view: unknown;
  created_at_ms: string | number;
  updated_at_ms: string | number;
}

export interface OrderEventsTable {
  event_id: string;
  client_order_id: string;
  seq: number;
  kind: string;
  broker: string;
  account: string;
  ts_event_ms: string | number;
  stream_seq: string | number;
  event: unknown;
}

export interface TradesTable {
  exec_id: string;
  client_order_id: string;
  broker: string;
  account: string;
  instrument_id: string;
  symbol: string;
  strategy: string | null;
  side: string;
  quantity: string;
  price: string;
  commission: string | null;
  commission_currency: string | null;
  realized_pnl: string | null;
  ts_event_ms: string | number;
}

export interface ReadModelTable {
  id: number;
  generation: number;
  /** Fold version the order rows were last derived with (migration 0005); defaults to 0. */
  folded_version?: number;
}

export interface HistoryDb {
  bars: BarsTable;
  bar_blocks: BarBlocksTable;
  coverage: CoverageTable;
  instruments: InstrumentsTable;
  orders: OrdersTable;
  order_events: OrderEventsTable;
  trades: TradesTable;
  read_model: ReadModelTable;
}
