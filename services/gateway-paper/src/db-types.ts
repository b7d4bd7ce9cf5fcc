/** Row types of the paper schema (see migrations/). NUMERIC and bigint columns read back as exact decimal strings. */

/** Kysely's Generated<T>, spelled structurally so this package needs no direct kysely dependency. */
type Generated<S> = { readonly __select__: S; readonly __insert__: S | undefined; readonly __update__: S };

export interface StateTable {
  broker: string;
  snapshot: unknown;
  saved_at_ms: string | number;
}

export interface InstrumentsTable {
  broker: string;
  instrument_id: string;
  instrument: unknown;
}

export interface OrdersTable {
  broker: string;
  order_id: number;
  perm_id: number;
  client_order_id: string;
  account: string;
  instrument_id: string;
  side: string;
  quantity: string;
  order_type: string;
  limit_price: string | null;
  stop_price: string | null;
  tif: string;
  status: string;
  filled: string;
  updated_at_ms: string | number;
}

export interface ExecutionsTable {
  broker: string;
  exec_id: string;
  order_id: number;
  client_order_id: string;
  account: string;
  instrument_id: string;
  side: string;
  quantity: string;
  price: string;
  commission: string;
  currency: string;
  realized_pnl: string | null;
  exec_time_ms: string | number;
}

export interface PositionsTable {
  broker: string;
  account: string;
  instrument_id: string;
  quantity: string;
  cost_basis: string;
  realized_pnl: string;
}

export interface CashTable {
  broker: string;
  account: string;
  currency: string;
  amount: string;
}

export interface OutboxTable {
  seq: Generated<string>;
  broker: string;
  kind: string;
  event_id: string;
  body: unknown;
  published: Generated<boolean>;
}

export interface PaperDb {
  state: StateTable;
  instruments: InstrumentsTable;
  orders: OrdersTable;
  executions: ExecutionsTable;
  positions: PositionsTable;
  cash: CashTable;
  outbox: OutboxTable;
}
