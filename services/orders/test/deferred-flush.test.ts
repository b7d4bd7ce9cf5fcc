/**
 * DeferredFlush on a real Postgres: a deferred write (one statement carrying DEFER_COMMIT) commits with
 * synchronous_commit off (visible at once, its WAL flush left to the server), and the barrier the relay calls before publishing has flushed the WAL through every
 * deferred write that had committed — also one still in flight when the barrier began.
 */
import { migrateToLatest, type RawBuilder, type SqlBool, sql } from '@trading-system/storage';
import { openPgTestDatabase, type TestDatabase } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeferredFlush } from '../src/deferred-flush.js';
import type { Db } from '../src/ledger.js';
import { migrations } from '../src/migrations/index.js';

let database: TestDatabase<unknown>;
let db: Db;
let notes: ReturnType<typeof sql.id>;

beforeAll(async () => {
  database = await openPgTestDatabase();
  const schema = database.newSchema('orders');
  await migrateToLatest(database.db, { schema, migrations });
  db = database.db.withSchema(schema) as unknown as Db;
  notes = sql.id(schema, 'notes');
  await sql`create table ${notes} (id int primary key)`.execute(database.db);
});
afterAll(async () => {
  await database?.close();
});

/** A deferred write as the OMS makes them: one statement, DEFER_COMMIT in the condition of its write. */
const deferredInsert = (deferCommit: RawBuilder<SqlBool>, id: number) =>
  sql<{ setting: string }>`insert into ${notes} (id) select ${id} where ${deferCommit}
    returning current_setting('synchronous_commit') as setting`.execute(db);
const setting = async (q: Db): Promise<string> =>
  (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(q)).rows[0]?.synchronous_commit ?? '';
const lsn = async (fn: 'pg_current_wal_insert_lsn' | 'pg_current_wal_flush_lsn'): Promise<bigint> => {
  const r = await sql<{ n: string }>`select (${sql.raw(fn)}() - '0/0'::pg_lsn)::text as n`.execute(database.db);
  return BigInt(r.rows[0]?.n ?? '0');
};

describe('DeferredFlush', () => {
  test('a deferred write commits with synchronous_commit off; the barrier flushes the WAL through it', async () => {
    const flush = new DeferredFlush();
    const inside = await flush.write(async (deferCommit) => (await deferredInsert(deferCommit, 1)).rows[0]?.setting);
    // Off in the statement's own transaction, whose commit comes after it; the pool's sessions keep the default.
    expect(inside).toBe('off');
    expect(await setting(db)).toBe('on');
    const rows = await sql`select id from ${notes}`.execute(database.db);
    expect(rows.rows).toEqual([{ id: 1 }]);
    const written = await lsn('pg_current_wal_insert_lsn');
    expect(flush.pending).toBe(true);
    await flush.barrier(db);
    expect(flush.pending).toBe(false);
    expect(await lsn('pg_current_wal_flush_lsn')).toBeGreaterThanOrEqual(written);
  });

  test('a write still in flight when a barrier begins stays pending until a later barrier', async () => {
    const flush = new DeferredFlush();
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered = (): void => undefined;
    const inWrite = new Promise<void>((r) => {
      entered = r;
    });
    const writing = flush.write(async (deferCommit) => {
      await deferredInsert(deferCommit, 2);
      entered();
      await gate;
    });
    await inWrite;
    await flush.barrier(db);
    // The write had not committed when the barrier began: it may still need a flush.
    expect(flush.pending).toBe(true);
    release();
    await writing;
    expect(flush.pending).toBe(true);
    const written = await lsn('pg_current_wal_insert_lsn');
    await flush.barrier(db);
    expect(flush.pending).toBe(false);
    expect(await lsn('pg_current_wal_flush_lsn')).toBeGreaterThanOrEqual(written);
  });

  test('a failed deferred write rolls back and is reported', async () => {
    const flush = new DeferredFlush();
    await expect(flush.write((deferCommit) => deferredInsert(deferCommit, 1))).rejects.toThrow(/duplicate key/);
    await flush.barrier(db);
    expect(flush.pending).toBe(false);
  });
});
