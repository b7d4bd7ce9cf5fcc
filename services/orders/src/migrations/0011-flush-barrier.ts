import { type Kysely, sql } from '@trading-system/storage';

/**
 * One row the outbox relay updates to make deferred-flush ledger writes durable before it publishes
 * (deferred-flush.ts): a synchronous commit waits for the WAL flush only when its transaction wrote WAL, so the
 * barrier must write something, and this row is all it writes.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table flush_barrier (id smallint primary key check (id = 1), n bigint not null)`.execute(db);
  await sql`insert into flush_barrier (id, n) values (1, 0)`.execute(db);
}
