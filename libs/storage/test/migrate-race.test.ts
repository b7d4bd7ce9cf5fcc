/**
 * migrateToLatest while other connections change other schemas (test files in parallel on one database): Kysely's
 * migrator looks for its own tables by introspecting every schema, and a column renamed, a table dropped or a
 * schema dropped by another connection between its catalog scan and the functions it calls per column fails that
 * look-up ("column … of relation … does not exist", 42703; 42P01; 3F000). Nothing was applied then: our
 * migrations run only after the look-up, so the look-up is tried again.
 */
import { migrateToLatest, sql } from '@trading-system/storage';
import { openPgTestDatabase } from '@trading-system/testkit';
import { expect, test } from 'vitest';

test('migrations succeed while another connection renames columns, drops tables and schemas elsewhere', async () => {
  const t = await openPgTestDatabase({ poolMax: 6 });
  try {
    // The churn: another "test file" renaming a column to and fro, and creating and dropping tables and schemas.
    let stop = false;
    const churnSchema = t.newSchema('churn');
    await sql`create schema ${sql.id(churnSchema)}`.execute(t.db);
    for (let i = 0; i < 20; i++)
      await sql`create table ${sql.id(churnSchema, `t${i}`)} (id serial primary key, a int, b int)`.execute(t.db);
    // Each churner its own ten tables (two renaming one column at once would fail each other).
    const churn = async (k: number): Promise<number> => {
      let n = 0;
      while (!stop) {
        const i = k * 10 + (n % 10);
        const table = sql.id(churnSchema, `t${i}`);
        await sql`alter table ${table} rename column a to c`.execute(t.db);
        await sql`alter table ${table} rename column c to a`.execute(t.db);
        const gone = t.newSchema('gone');
        await sql`create schema ${sql.id(gone)}`.execute(t.db);
        await sql`create table ${sql.id(gone, 'x')} (id serial primary key)`.execute(t.db);
        await sql`drop schema ${sql.id(gone)} cascade`.execute(t.db);
        n++;
      }
      return n;
    };
    const churning = [churn(0), churn(1)];
    const migrations = {
      '0001': {
        up: async (db: Parameters<typeof migrateToLatest>[0]) => {
          await sql`create table items (id serial primary key, name text not null)`.execute(db);
        },
      },
    };
    const outcomes: string[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        const schema = t.newSchema('mig');
        const applied = await migrateToLatest(t.db, { schema, migrations });
        outcomes.push(applied.join(','));
      }
    } finally {
      stop = true;
    }
    const churned = (await Promise.all(churning)).reduce((a, b) => a + b, 0);
    expect(outcomes).toEqual(Array.from({ length: 25 }, () => '0001'));
    // The churn really ran beside the migrations.
    expect(churned).toBeGreaterThan(10);
  } finally {
    await t.close();
  }
}, 120_000);
