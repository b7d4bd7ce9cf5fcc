import { type Kysely, sql } from '@trading-system/storage';

/**
 * The paper broker's books. `state` holds the exchange core's snapshot (what a restart resumes from); the other
 * tables are the same facts in columns, written in the same transaction, for reading and auditing: orders,
 * executions, positions and cash. `outbox` holds the contract events of each change until JetStream has them, so
 * a crash between commit and publish loses no fact. Amounts NUMERIC (exact), times epoch ms as bigint.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table state (
      broker text primary key,
      snapshot jsonb not null,
      saved_at_ms bigint not null
    )`.execute(db);
  await sql`
    create table instruments (
      broker text not null,
      con_id integer not null,
      instrument jsonb not null,
      primary key (broker, con_id)
    )`.execute(db);
  await sql`
    create table orders (
      broker text not null,
      order_id integer not null,
      perm_id integer not null,
      client_order_id text not null,
      account text not null,
      con_id integer not null,
      side text not null,
      quantity numeric not null,
      order_type text not null,
      limit_price numeric,
      stop_price numeric,
      tif text not null,
      status text not null,
      filled numeric not null,
      updated_at_ms bigint not null,
      primary key (broker, order_id)
    )`.execute(db);
  await sql`create unique index orders_client_order_id on orders (broker, client_order_id)`.execute(db);
  await sql`
    create table executions (
      broker text not null,
      exec_id text not null,
      order_id integer not null,
      client_order_id text not null,
      account text not null,
      con_id integer not null,
      side text not null,
      quantity numeric not null,
      price numeric not null,
      commission numeric not null,
      currency text not null,
      realized_pnl numeric,
      exec_time_ms bigint not null,
      primary key (broker, exec_id)
    )`.execute(db);
  await sql`
    create table positions (
      broker text not null,
      account text not null,
      con_id integer not null,
      quantity numeric not null,
      cost_basis numeric not null,
      realized_pnl numeric not null,
      primary key (broker, account, con_id)
    )`.execute(db);
  await sql`
    create table cash (
      broker text not null,
      account text not null,
      currency text not null,
      amount numeric not null,
      primary key (broker, account, currency)
    )`.execute(db);
  await sql`
    create table outbox (
      seq bigserial primary key,
      broker text not null,
      kind text not null,
      event_id text not null,
      body jsonb not null,
      published boolean not null default false
    )`.execute(db);
  await sql`create index outbox_pending on outbox (broker, seq) where not published`.execute(db);
}
