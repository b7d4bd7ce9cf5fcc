import { type Kysely, sql } from '@trading-system/storage';

/**
 * The OMS ledger. Amounts are NUMERIC (exact), times epoch ms as bigint. Written against Kysely<any> so it stays
 * frozen in time; runs with search_path = the service schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table orders (
      client_order_id text primary key,
      broker text not null,
      account text not null,
      strategy text,
      con_id integer,
      instrument jsonb,
      side text not null,
      quantity numeric not null,
      order_type text not null,
      limit_price numeric,
      stop_price numeric,
      tif text not null,
      outside_rth boolean not null,
      state text not null,
      filled_qty numeric not null default 0,
      fill_notional numeric not null default 0,
      broker_order_id integer,
      perm_id bigint,
      last_seq integer not null default 0,
      request_hash text not null,
      submit_reply jsonb,
      created_at_ms bigint not null,
      updated_at_ms bigint not null
    )`.execute(db);
  await sql`create index orders_open on orders (broker, account) where state not in ('filled','cancelled','expired','rejected','denied')`.execute(
    db,
  );
  await sql`create index orders_created on orders (created_at_ms desc, client_order_id desc)`.execute(db);
  await sql`create index orders_broker_order on orders (broker, broker_order_id)`.execute(db);

  // Append-only; id orders the outbox, published_at marks what the relay has had acknowledged by JetStream.
  await sql`
    create table order_events (
      id bigserial primary key,
      event_id text not null unique,
      client_order_id text not null references orders (client_order_id),
      seq integer not null,
      kind text not null,
      subject text not null,
      payload jsonb not null,
      created_at_ms bigint not null,
      published_at timestamptz,
      unique (client_order_id, seq)
    )`.execute(db);
  await sql`create index order_events_unpublished on order_events (id) where published_at is null`.execute(db);

  await sql`
    create table fills (
      exec_id text primary key,
      client_order_id text not null references orders (client_order_id),
      broker text not null,
      account text not null,
      con_id integer not null,
      side text not null,
      quantity numeric not null,
      price numeric not null,
      commission numeric,
      commission_currency text,
      realized_pnl numeric,
      exec_time_ms bigint not null,
      created_at_ms bigint not null
    )`.execute(db);
  await sql`create index fills_position on fills (broker, account, con_id)`.execute(db);

  // Broker facts that could not be applied (overfills, executions for denied/rejected/unknown orders).
  await sql`
    create table flagged_executions (
      exec_id text primary key,
      broker text not null,
      client_order_id text,
      reason text not null,
      payload jsonb not null,
      created_at_ms bigint not null
    )`.execute(db);

  // Idempotent inbox of broker events: one row per eventId, written in the transaction that applies the event.
  await sql`
    create table inbox (
      event_id text primary key,
      broker text not null,
      kind text not null,
      processed_at_ms bigint not null
    )`.execute(db);

  // Idempotent intake of modify/cancel commands: the command and its reply, keyed by command id.
  await sql`
    create table commands (
      command_id text primary key,
      client_order_id text not null,
      request_hash text not null,
      reply jsonb,
      created_at_ms bigint not null
    )`.execute(db);

  await sql`
    create table broker_positions (
      broker text not null,
      account text not null,
      con_id integer not null,
      position jsonb not null,
      updated_at_ms bigint not null,
      primary key (broker, account, con_id)
    )`.execute(db);

  // Operator settings that survive restarts: trading state, risk limits.
  await sql`create table settings (key text primary key, value jsonb not null, updated_at_ms bigint not null)`.execute(
    db,
  );
}
