/** Row types of the orders schema (see migrations/). NUMERIC columns are exact decimal strings. */

/** Kysely's Generated<T>, spelled structurally so this package needs no direct kysely dependency. */
type Generated<S> = { readonly __select__: S; readonly __insert__: S | undefined; readonly __update__: S };

export interface OrdersTable {
  client_order_id: string;
  broker: string;
  account: string;
  strategy: string | null;
  instrument_id: string | null;
  instrument: unknown;
  side: string;
  quantity: string;
  order_type: string;
  limit_price: string | null;
  stop_price: string | null;
  tif: string;
  outside_rth: boolean;
  state: string;
  filled_qty: string;
  /** Σ price × quantity of the fills, for the average fill price. */
  fill_notional: string;
  broker_order_id: string | null;
  perm_id: string | null;
  last_seq: number;
  request_hash: string;
  submit_reply: unknown;
  created_at_ms: string;
  updated_at_ms: string;
  /** When the first broker fact about the order (open order, status, execution) was applied; null until then. */
  broker_acked_at_ms: string | null;
  /** A cancel asked while the order had no broker order id: sent once it has one (reconciliation), then null. */
  cancel_requested_at_ms: string | null;
  /** The latest denial or broker rejection of the order or of a change to it (OrderView.lastRejection), JSON. */
  last_rejection: unknown;
  /**
   * The order's OrderView as its events fold (contracts foldOrder), JSON, written with each event; null for a denial
   * that does not carry its order (refused before the instrument was known).
   */
  view: unknown;
}

export interface OrderEventsTable {
  id: Generated<string>;
  event_id: string;
  client_order_id: string;
  seq: number;
  kind: string;
  subject: string;
  payload: unknown;
  created_at_ms: string;
  published_at: Date | null;
}

export interface FillsTable {
  exec_id: string;
  client_order_id: string;
  broker: string;
  account: string;
  instrument_id: string;
  side: string;
  quantity: string;
  price: string;
  commission: string | null;
  commission_currency: string | null;
  realized_pnl: string | null;
  exec_time_ms: string;
  created_at_ms: string;
}

/** Kept by a trigger on fills (migration 0012): their signed sums per (broker, account, instrument id). */
export interface LedgerPositionsTable {
  broker: string;
  account: string;
  instrument_id: string;
  /** Σ signed quantity (BUY +, SELL −), NUMERIC as a string. */
  quantity: string;
  /** Σ signed price × quantity. */
  notional: string;
}

export interface FlaggedExecutionsTable {
  exec_id: string;
  broker: string;
  client_order_id: string | null;
  reason: string;
  payload: unknown;
  created_at_ms: string;
}

export interface InboxTable {
  event_id: string;
  broker: string;
  kind: string;
  processed_at_ms: string;
}

export interface CommandsTable {
  command_id: string;
  client_order_id: string;
  request_hash: string;
  reply: unknown;
  created_at_ms: string;
}

export interface BrokerPositionsTable {
  broker: string;
  account: string;
  instrument_id: string;
  position: unknown;
  updated_at_ms: string;
}

export interface SettingsTable {
  key: string;
  value: unknown;
  updated_at_ms: string;
}

export interface ExternalOrdersTable {
  broker: string;
  /** BrokerOrderId, '' when the broker gave none (IB 0 before migration 0008). */
  perm_id: string;
  order_id: string;
  account: string;
  /** BrokerOrderState (IB words before migration 0007). */
  status: string;
  order_json: unknown;
  updated_at_ms: string;
}

/** One row; the outbox relay's flush barrier updates it (deferred-flush.ts). */
export interface FlushBarrierTable {
  id: number;
  /** bigint: a string as pg returns it (never read). */
  n: string;
}

export interface OrdersDb {
  external_orders: ExternalOrdersTable;
  orders: OrdersTable;
  order_events: OrderEventsTable;
  fills: FillsTable;
  ledger_positions: LedgerPositionsTable;
  flagged_executions: FlaggedExecutionsTable;
  inbox: InboxTable;
  commands: CommandsTable;
  broker_positions: BrokerPositionsTable;
  settings: SettingsTable;
  flush_barrier: FlushBarrierTable;
}
