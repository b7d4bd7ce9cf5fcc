import { type Kysely, sql } from '@trading-system/storage';

/**
 * The history service's own tables (schema `history`). Prices NUMERIC (exact, as received), times epoch ms as
 * bigint. Written against Kysely<any> so it stays frozen in time; runs with search_path = the service schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  // One row per bar of one series: broker × conId × IB bar size (timeframe token) × whatToShow × RTH flag.
  await sql`
    create table bars (
      broker text not null,
      con_id integer not null,
      bar_size text not null,
      what_to_show text not null,
      use_rth boolean not null,
      ts_start_ms bigint not null,
      ts_end_ms bigint not null,
      open numeric not null,
      high numeric not null,
      low numeric not null,
      close numeric not null,
      volume numeric not null,
      wap numeric,
      count integer,
      gap boolean not null default false,
      primary key (broker, con_id, bar_size, what_to_show, use_rth, ts_start_ms)
    )`.execute(db);

  // Coverage map: every bar of the series with tsStartMs in [start_ms, end_ms) is stored. bar_count = 0 marks a
  // range known to be empty (weekend, holiday, halt). Rows of one fetched chunk are written in its transaction.
  await sql`
    create table coverage (
      id bigserial primary key,
      broker text not null,
      con_id integer not null,
      bar_size text not null,
      what_to_show text not null,
      use_rth boolean not null,
      start_ms bigint not null,
      end_ms bigint not null,
      bar_count integer not null,
      fetched_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index coverage_series on coverage (broker, con_id, bar_size, what_to_show, use_rth, start_ms)`.execute(
    db,
  );

  // Qualified instruments (qualifyContract replies), so chunks carry the full Instrument without a round trip.
  await sql`
    create table instruments (
      broker text not null,
      con_id integer not null,
      instrument jsonb not null,
      updated_at timestamptz not null default now(),
      primary key (broker, con_id)
    )`.execute(db);

  // Order/trade read model, built only from the ORDERS stream; dropped and replayed by rebuild.
  await sql`
    create table orders (
      client_order_id text primary key,
      broker text not null,
      account text not null,
      con_id integer not null,
      symbol text not null,
      strategy text,
      state text not null,
      view jsonb not null,
      created_at_ms bigint not null,
      updated_at_ms bigint not null
    )`.execute(db);
  await sql`create index orders_created on orders (created_at_ms desc, client_order_id desc)`.execute(db);

  await sql`
    create table order_events (
      event_id text primary key,
      client_order_id text not null,
      seq integer not null,
      kind text not null,
      broker text not null,
      account text not null,
      ts_event_ms bigint not null,
      stream_seq bigint not null,
      event jsonb not null
    )`.execute(db);
  await sql`create index order_events_order on order_events (client_order_id, seq)`.execute(db);

  await sql`
    create table trades (
      exec_id text primary key,
      client_order_id text not null,
      broker text not null,
      account text not null,
      con_id integer not null,
      symbol text not null,
      strategy text,
      side text not null,
      quantity numeric not null,
      price numeric not null,
      commission numeric,
      commission_currency text,
      realized_pnl numeric,
      ts_event_ms bigint not null
    )`.execute(db);
  await sql`create index trades_time on trades (ts_event_ms desc, exec_id desc)`.execute(db);

  // Generation of the read model: rebuild bumps it and consumes with a fresh durable `<base>-g<generation>`.
  await sql`create table read_model (id integer primary key, generation integer not null)`.execute(db);
  await sql`insert into read_model (id, generation) values (1, 1)`.execute(db);
}
