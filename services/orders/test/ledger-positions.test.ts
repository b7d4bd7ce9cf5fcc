/**
 * ledger_positions (migration 0012) against the fills it sums, on Postgres and PGlite: after random inserts,
 * updates and deletes of fills — written with the connection's default search_path, as the OMS's schema-qualified
 * queries write them — every (broker, account, instrument) row equals the SUM over fills, exactly (NUMERIC); a
 * truncate of fills empties it; fills a ledger held before the migration are summed by it. The risk checks read
 * this table instead of summing the account's fills on every submit.
 */
import { randomUUID } from 'node:crypto';
import { migrateToLatest, sql } from '@trading-system/storage';
import { openPgliteTestDatabase, openPgTestDatabase, seededRandom, type TestDatabase } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import type { Db } from '../src/ledger.js';
import { migrations } from '../src/migrations/index.js';
import { migrateBefore } from './legacy-ledger.js';

const opened: Array<TestDatabase<unknown>> = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

async function open(kind: 'pg' | 'pglite'): Promise<{ database: TestDatabase<unknown>; schema: string }> {
  const database = kind === 'pg' ? await openPgTestDatabase() : await openPgliteTestDatabase();
  opened.push(database);
  return { database, schema: database.newSchema('orders') };
}

const BROKERS = ['ib', 'alpaca'];
const ACCOUNTS = ['DU1', 'DU2'];
const INSTRUMENTS = ['265598', '756733', 'AAPL.US'];

/** An order row for the fills' foreign key. */
async function anOrder(db: Db, clientOrderId: string): Promise<void> {
  await db
    .insertInto('orders')
    .values({
      client_order_id: clientOrderId,
      broker: 'ib',
      account: 'DU1',
      side: 'BUY',
      quantity: '1',
      order_type: 'MKT',
      tif: 'DAY',
      outside_rth: false,
      state: 'filled',
      request_hash: 'h',
      created_at_ms: '0',
      updated_at_ms: '0',
      // biome-ignore lint/suspicious/noExplicitAny: the row's columns as the migrations left them, not all typed here
    } as any)
    .execute();
}

function randomFill(next: () => number, clientOrderId: string) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return {
    exec_id: `x-${randomUUID()}`,
    client_order_id: clientOrderId,
    broker: pick(BROKERS),
    account: pick(ACCOUNTS),
    instrument_id: pick(INSTRUMENTS),
    side: next() < 0.5 ? 'BUY' : 'SELL',
    // Fractional quantities and prices with many digits: a binary float would not sum them exactly.
    quantity: `${1 + Math.floor(next() * 500)}.${Math.floor(next() * 1e6)}`,
    price: `${Math.floor(next() * 900)}.${Math.floor(next() * 1e8)}`,
    exec_time_ms: '1',
    created_at_ms: '1',
  };
}

interface Sums {
  readonly broker: string;
  readonly account: string;
  readonly instrument_id: string;
  readonly quantity: string;
  readonly notional: string;
}

/** Both sides as exact decimal text, keyed rows in one order: a row on one side exactly when the other has it. */
async function bothSides(db: Db, schema: string): Promise<{ kept: Sums[]; summed: Sums[] }> {
  const kept = await sql<Sums>`
    select broker, account, instrument_id, quantity::text as quantity, notional::text as notional
      from ${sql.table(`${schema}.ledger_positions`)}
     order by 1, 2, 3`.execute(db);
  const summed = await sql<Sums>`
    select broker, account, instrument_id,
           sum(case when side = 'BUY' then quantity else -quantity end)::text as quantity,
           sum(case when side = 'BUY' then price * quantity else -(price * quantity) end)::text as notional
      from ${sql.table(`${schema}.fills`)}
     group by 1, 2, 3
     order by 1, 2, 3`.execute(db);
  // NUMERIC text keeps its scale (1.50 vs 1.5): compare the values, not their spelling.
  const norm = (rows: readonly Sums[]) =>
    rows.map((r) => ({ ...r, quantity: trimZeros(r.quantity), notional: trimZeros(r.notional) }));
  return { kept: norm(kept.rows), summed: norm(summed.rows) };
}
const trimZeros = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

describe.each(['pg', 'pglite'] as const)('ledger_positions (%s)', (kind) => {
  test('equals the sums over fills after random inserts, updates and deletes; a truncate empties it', async () => {
    const { database, schema } = await open(kind);
    await migrateToLatest(database.db, { schema, migrations });
    const db = database.db.withSchema(schema) as unknown as Db;
    await anOrder(db, 'o-1');
    const next = seededRandom(20261204);
    const execIds: string[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = Array.from({ length: 40 }, () => randomFill(next, 'o-1'));
      await db.insertInto('fills').values(batch).execute();
      execIds.push(...batch.map((f) => f.exec_id));
      // Updates that move a fill to another key, flip its side, change its size and price.
      for (let i = 0; i < 5; i++) {
        const id = execIds[Math.floor(next() * execIds.length)] as string;
        const f = randomFill(next, 'o-1');
        await db
          .updateTable('fills')
          .set({
            broker: f.broker,
            account: f.account,
            instrument_id: f.instrument_id,
            side: f.side,
            quantity: f.quantity,
            price: f.price,
          })
          .where('exec_id', '=', id)
          .execute();
      }
      // A commission arriving changes no sum.
      await db
        .updateTable('fills')
        .set({ commission: '1.25', commission_currency: 'USD' })
        .where('exec_id', '=', execIds[0] as string)
        .execute();
      for (let i = 0; i < 4; i++) {
        const [id] = execIds.splice(Math.floor(next() * execIds.length), 1);
        await db
          .deleteFrom('fills')
          .where('exec_id', '=', id as string)
          .execute();
      }
      const { kept, summed } = await bothSides(db, schema);
      expect(summed.length).toBeGreaterThan(0);
      expect(kept, `round ${round}`).toEqual(summed);
    }
    // Every fill of one key moved to another key by one update: the first key's row goes.
    await db
      .updateTable('fills')
      .set({ account: 'DU7' })
      .where('broker', '=', 'alpaca')
      .where('account', '=', 'DU2')
      .where('instrument_id', '=', '265598')
      .execute();
    const moved = await bothSides(db, schema);
    expect(moved.kept.some((r) => r.broker === 'alpaca' && r.account === 'DU2' && r.instrument_id === '265598')).toBe(
      false,
    );
    expect(moved.kept.some((r) => r.broker === 'alpaca' && r.account === 'DU7')).toBe(true);
    expect(moved.kept).toEqual(moved.summed);
    // Every fill of one key deleted: its row goes, as the sum over fills has none. A key whose fills net to zero
    // in quantity and notional keeps its row (the sum over fills shows it flat).
    await db.deleteFrom('fills').where('broker', '=', 'ib').where('account', '=', 'DU1').execute();
    const flat = (side: string) => ({
      ...randomFill(next, 'o-1'),
      broker: 'ib',
      account: 'DU9',
      instrument_id: 'FLAT',
      side,
      quantity: '5',
      price: '10.5',
    });
    await db
      .insertInto('fills')
      .values([flat('BUY'), flat('SELL')])
      .execute();
    const { kept, summed } = await bothSides(db, schema);
    expect(kept.some((r) => r.broker === 'ib' && r.account === 'DU1')).toBe(false);
    expect(kept).toContainEqual({ broker: 'ib', account: 'DU9', instrument_id: 'FLAT', quantity: '0', notional: '0' });
    expect(kept).toEqual(summed);
    await sql`truncate ${sql.table(`${schema}.fills`)}`.execute(database.db);
    const left = await db.selectFrom('ledger_positions').selectAll().execute();
    expect(left).toEqual([]);
  });

  test('fills a ledger held before the migration are summed by it, and later fills add to them', async () => {
    const { database, schema } = await open(kind);
    await migrateBefore(database.db, schema, '0012');
    const db = database.db.withSchema(schema) as unknown as Db;
    await anOrder(db, 'o-old');
    const next = seededRandom(7);
    await db
      .insertInto('fills')
      .values(Array.from({ length: 60 }, () => randomFill(next, 'o-old')))
      .execute();
    await migrateToLatest(database.db, { schema, migrations });
    const before = await bothSides(db, schema);
    expect(before.kept.length).toBeGreaterThan(0);
    expect(before.kept).toEqual(before.summed);
    await db
      .insertInto('fills')
      .values(Array.from({ length: 20 }, () => randomFill(next, 'o-old')))
      .execute();
    const after = await bothSides(db, schema);
    expect(after.kept).toEqual(after.summed);
  });
});
