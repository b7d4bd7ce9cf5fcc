import { sql } from '@trading-system/storage';
import { createTestSchemaName, databaseUrl, withPgDatabase, withPglite } from '@trading-system/testkit';
import { expect, test } from 'vitest';

test('databaseUrl resolves to a Postgres that answers', async () => {
  const url = await databaseUrl();
  expect(url).toMatch(/^postgres(ql)?:\/\//);
  expect(await databaseUrl()).toBe(url);
});

test('createTestSchemaName gives distinct valid identifiers', () => {
  const names = new Set(Array.from({ length: 100 }, () => createTestSchemaName('Orders-Svc')));
  expect(names.size).toBe(100);
  for (const name of names) {
    expect(name).toMatch(/^orders_svc_\d+_\d+_[0-9a-f]{8}$/);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
  }
});

test('withPgDatabase gives a fresh created schema and drops it and its extra schemas afterwards', async () => {
  const url = await databaseUrl();
  let seen: string[] = [];
  await withPgDatabase(async (t) => {
    const extra = t.newSchema('extra');
    await sql`create schema ${sql.id(extra)}`.execute(t.db);
    await sql`create table ${sql.table(`${t.schema}.x`)} (id int)`.execute(t.db);
    seen = [t.schema, extra];
  });
  const { createDatabase } = await import('@trading-system/storage');
  const check = await createDatabase({ kind: 'pg', url, poolMax: 1 });
  try {
    const { rows } = await sql`select nspname from pg_namespace where nspname = any(${seen})`.execute(check.db);
    expect(seen).toHaveLength(2);
    expect(rows).toEqual([]);
  } finally {
    await check.close();
  }
});

test('withPgDatabase drops the schema even when the test body throws', async () => {
  let schema = '';
  const err = await withPgDatabase(async (t) => {
    schema = t.schema;
    throw new Error('body failed');
  }).catch((e: unknown) => e);
  expect(err).toMatchObject({ message: 'body failed' });
  await withPgDatabase(async (t) => {
    const { rows } = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(t.db);
    expect(rows).toEqual([]);
  });
});

test('withPglite gives an in-memory database with its schema', async () => {
  await withPglite(async (t) => {
    expect(t.kind).toBe('pglite');
    const { rows } = await sql`select 1 from pg_namespace where nspname = ${t.schema}`.execute(t.db);
    expect(rows).toHaveLength(1);
  });
});
