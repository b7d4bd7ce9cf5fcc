// One behaviour suite for both backends: whatever a service can observe must be the same on pg and PGlite.
import {
  constraintName,
  InsertManyError,
  insertMany,
  isUniqueViolation,
  type Kysely,
  type Migration,
  MigrationError,
  migrateToLatest,
  sql,
} from '@trading-system/storage';
import type { TestDatabase } from '@trading-system/testkit';
import { describe, expect, test } from 'vitest';
import { otherServiceMigrations, serviceMigrations, type TestDb } from './fixtures.js';

export type MakeDb = () => Promise<TestDatabase<TestDb>>;

interface Ctx {
  t: TestDatabase<TestDb>;
  schema: string;
  db: Kysely<TestDb>;
}

async function withService(makeDb: MakeDb, fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  const t = await makeDb();
  try {
    const schema = t.newSchema('svc');
    await migrateToLatest(t.db, { schema, migrations: serviceMigrations });
    await fn({ t, schema, db: t.db.withSchema(schema) });
  } finally {
    await t.close();
  }
}

class Boom extends Error {
  override name = 'Boom';
}

export function runStorageSuite(name: string, makeDb: MakeDb): void {
  describe(`storage behaviour on ${name}`, () => {
    test('migrations apply in order into the service schema and a re-run applies nothing', async () => {
      const t = await makeDb();
      try {
        const schema = t.newSchema('svc');
        expect(await migrateToLatest(t.db, { schema, migrations: serviceMigrations })).toEqual([
          '0001_init',
          '0002_accounts_and_note',
        ]);
        expect(await migrateToLatest(t.db, { schema, migrations: serviceMigrations })).toEqual([]);
        const { rows } = await sql<{ table_name: string }>`
          select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(
          t.db,
        );
        expect(rows.map((r) => r.table_name)).toEqual([
          'accounts',
          'items',
          'kysely_migration',
          'kysely_migration_lock',
        ]);
        const index =
          await sql`select 1 from pg_indexes where schemaname = ${schema} and indexname = 'items_at_idx'`.execute(t.db);
        expect(index.rows).toHaveLength(1);
      } finally {
        await t.close();
      }
    });

    test('two services keep their tables and migration history apart', async () => {
      const t = await makeDb();
      try {
        const a = t.newSchema('svc_a');
        const b = t.newSchema('svc_b');
        await migrateToLatest(t.db, { schema: a, migrations: serviceMigrations });
        await migrateToLatest(t.db, { schema: b, migrations: otherServiceMigrations });
        await t.db.withSchema(a).insertInto('items').values({ sku: 'A1', amount: '1' }).execute();
        const bItems = await sql<{ label: string }>`select * from ${sql.table(`${b}.items`)}`.execute(t.db);
        expect(bItems.rows).toEqual([]);
        const history = async (schema: string) =>
          (
            await sql<{
              name: string;
            }>`select name from ${sql.table(`${schema}.kysely_migration`)} order by name`.execute(t.db)
          ).rows.map((r) => r.name);
        expect(await history(a)).toEqual(['0001_init', '0002_accounts_and_note']);
        expect(await history(b)).toEqual(['0001_other']);
      } finally {
        await t.close();
      }
    });

    test('a failing migration raises MigrationError naming it, and leaves nothing of its batch', async () => {
      const t = await makeDb();
      try {
        const schema = t.newSchema('svc');
        const bad = {
          ...serviceMigrations,
          '0003_bad': { up: async (db: Kysely<unknown>) => void (await sql`select * from no_such_table`.execute(db)) },
        };
        const err = await migrateToLatest(t.db, { schema, migrations: bad }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MigrationError);
        expect((err as MigrationError).migrationName).toBe('0003_bad');
        expect((err as MigrationError).cause).toMatchObject({ code: '42P01' });
        const tables =
          await sql`select 1 from information_schema.tables where table_schema = ${schema} and table_name = 'items'`.execute(
            t.db,
          );
        expect(tables.rows).toEqual([]);
        // The migration lock was released: a good batch applies straight after.
        expect(await migrateToLatest(t.db, { schema, migrations: serviceMigrations })).toHaveLength(2);
      } finally {
        await t.close();
      }
    });

    test('two migrators of one schema at once: the batch applies once, the other finds it applied', async () => {
      const t = await makeDb();
      try {
        const schema = t.newSchema('svc');
        const runs = await Promise.all([
          migrateToLatest(t.db, { schema, migrations: serviceMigrations }),
          migrateToLatest(t.db, { schema, migrations: serviceMigrations }),
        ]);
        expect(runs.map((r) => r.length).sort()).toEqual([0, 2]);
      } finally {
        await t.close();
      }
    });

    test('a schema migrated by a newer version is refused, naming the migration this one does not know', async () => {
      const t = await makeDb();
      try {
        const schema = t.newSchema('svc');
        await migrateToLatest(t.db, { schema, migrations: serviceMigrations });
        const older = { '0001_init': serviceMigrations['0001_init'] as Migration };
        const err = await migrateToLatest(t.db, { schema, migrations: older }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MigrationError);
        expect(String((err as Error).message)).toContain('0002_accounts_and_note');
      } finally {
        await t.close();
      }
    });

    test('NUMERIC round-trips exactly as strings and sums exactly in SQL', async () =>
      withService(makeDb, async ({ db }) => {
        await db
          .insertInto('items')
          .values([
            { sku: 'big', amount: '12345678901234.123456789' },
            { sku: 'tenth', amount: '0.1' },
            { sku: 'fifth', amount: '0.2' },
          ])
          .execute();
        const rows = await db.selectFrom('items').select(['sku', 'amount']).orderBy('id').execute();
        expect(rows).toEqual([
          { sku: 'big', amount: '12345678901234.123456789' },
          { sku: 'tenth', amount: '0.1' },
          { sku: 'fifth', amount: '0.2' },
        ]);
        const sum = await db
          .selectFrom('items')
          .select((eb) => eb.fn.sum<string>('amount').as('total'))
          .where('sku', '!=', 'big')
          .executeTakeFirstOrThrow();
        expect(sum.total).toBe('0.3');
        const all = await db
          .selectFrom('items')
          .select((eb) => eb.fn.sum<string>('amount').as('total'))
          .executeTakeFirstOrThrow();
        expect(all.total).toBe('12345678901234.423456789');
      }));

    test('both backends return the same JS types for every common column type', async () =>
      withService(makeDb, async ({ db }) => {
        const { rows } = await sql`select 1::int4 as i4, 2.5::float8 as f8, '1.10'::numeric as num,
            9223372036854775807::int8 as i8, count(*) as cnt, '2024-02-29'::date as d,
            '2024-02-29 10:11:12.345'::timestamp as ts, '2024-02-29 10:11:12.345+00'::timestamptz as tstz,
            '{"a":[1,{"b":null}]}'::jsonb as j, true as b, array['1.5','2']::numeric[] as nums,
            array[1, 9007199254740993]::int8[] as i8s`.execute(db);
        expect(rows[0]).toEqual({
          i4: 1,
          f8: 2.5,
          num: '1.10',
          i8: '9223372036854775807',
          cnt: '1',
          d: '2024-02-29',
          ts: '2024-02-29 10:11:12.345',
          tstz: new Date('2024-02-29T10:11:12.345Z'),
          j: { a: [1, { b: null }] },
          b: true,
          nums: ['1.5', '2'],
          i8s: ['1', '9007199254740993'],
        });
      }));

    test('int8, jsonb and timestamptz round-trip through parameters', async () =>
      withService(makeDb, async ({ db }) => {
        const at = new Date('2031-05-06T07:08:09.123Z');
        const attrs = { side: 'BUY', legs: [{ instrumentId: '265598', ratio: 1 }], note: 'quote " and \\ backslash' };
        await db.insertInto('items').values({ sku: 'x', amount: '1', qty: '9007199254740993', attrs, at }).execute();
        const row = await db.selectFrom('items').selectAll().executeTakeFirstOrThrow();
        expect(row.qty).toBe('9007199254740993');
        expect(row.attrs).toEqual(attrs);
        expect(row.at).toBeInstanceOf(Date);
        expect(row.at.getTime()).toBe(at.getTime());
        expect(typeof row.id).toBe('string');
      }));

    test('a committed transaction persists; an error inside one leaves nothing', async () =>
      withService(makeDb, async ({ db }) => {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('items').values({ sku: 'kept', amount: '1' }).execute();
        });
        const failure = await db
          .transaction()
          .execute(async (trx) => {
            await trx.insertInto('items').values({ sku: 'lost', amount: '2' }).execute();
            await trx.updateTable('items').set({ note: 'touched' }).where('sku', '=', 'kept').execute();
            throw new Boom('abort');
          })
          .catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(Boom);
        const rows = await db.selectFrom('items').select(['sku', 'note']).execute();
        expect(rows).toEqual([{ sku: 'kept', note: null }]);
      }));

    test('unique-key conflicts are recognisable on both backends', async () =>
      withService(makeDb, async ({ db }) => {
        await db.insertInto('items').values({ sku: 'dup', amount: '1' }).execute();
        const err = await db
          .insertInto('items')
          .values({ sku: 'dup', amount: '2' })
          .execute()
          .catch((e: unknown) => e);
        expect(isUniqueViolation(err)).toBe(true);
        expect(constraintName(err)).toBe('items_sku_key');
        const notNull = await db
          .insertInto('items')
          .values({ sku: 'n', amount: sql<string>`null` })
          .execute()
          .catch((e: unknown) => e);
        expect(notNull).toBeInstanceOf(Error);
        expect(isUniqueViolation(notNull)).toBe(false);
        expect(isUniqueViolation(new Error('23505'))).toBe(false);
      }));

    test('INSERT ... ON CONFLICT DO NOTHING RETURNING returns the row once, then nothing', async () =>
      withService(makeDb, async ({ db }) => {
        const insert = () =>
          db
            .insertInto('items')
            .values({ sku: 'once', amount: '5' })
            .onConflict((oc) => oc.column('sku').doNothing())
            .returning(['sku', 'amount'])
            .executeTakeFirst();
        expect(await insert()).toEqual({ sku: 'once', amount: '5' });
        expect(await insert()).toBeUndefined();
        const result = await db
          .insertInto('items')
          .values({ sku: 'once', amount: '6' })
          .onConflict((oc) => oc.column('sku').doNothing())
          .executeTakeFirst();
        expect(result.numInsertedOrUpdatedRows).toBe(0n);
      }));

    test('concurrent read-modify-write transactions with SELECT ... FOR UPDATE lose no update', async () =>
      withService(makeDb, async ({ db }) => {
        await db.insertInto('accounts').values({ id: 1, balance: 0 }).execute();
        const increment = () =>
          db.transaction().execute(async (trx) => {
            const { balance } = await trx
              .selectFrom('accounts')
              .select('balance')
              .where('id', '=', 1)
              .forUpdate()
              .executeTakeFirstOrThrow();
            await trx
              .updateTable('accounts')
              .set({ balance: balance + 1 })
              .where('id', '=', 1)
              .execute();
          });
        await Promise.all(Array.from({ length: 12 }, increment));
        const row = await db.selectFrom('accounts').select('balance').executeTakeFirstOrThrow();
        expect(row.balance).toBe(12);
      }));

    test('insertMany writes 10k rows exactly, in chunks, with awkward values intact', async () =>
      withService(makeDb, async ({ db, schema }) => {
        const awkward = [
          'a"b',
          'back\\slash',
          '{braces}',
          'comma,here',
          'NULL',
          '',
          ' spaced ',
          'ünï',
          'null',
          'tab\there',
          'line\nbreak',
          '-1.5e+3',
        ];
        const rows = Array.from({ length: 10_000 }, (_, i) => ({
          sku: `sku-${i}`,
          amount: `${i}.${String(i % 1000).padStart(3, '0')}000001`,
          qty: i === 0 ? '9223372036854775807' : String(i),
          attrs: { i, tag: awkward[i % awkward.length] },
          at: new Date(Date.UTC(2024, 0, 1) + i * 1000),
          note: i % 9 === 0 ? null : (awkward[i % awkward.length] ?? null),
        }));
        const started = performance.now();
        const inserted = await insertMany(db, 'items', rows, { schema, chunkRows: 3_000 });
        const elapsedMs = performance.now() - started;
        expect(inserted).toBe(10_000);
        console.info(`insertMany 10k rows: ${elapsedMs.toFixed(0)} ms`);
        const totals = await db
          .selectFrom('items')
          .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.sum<string>('amount').as('total')])
          .executeTakeFirstOrThrow();
        const expectedTotal = rows.reduce((acc, r) => acc + BigInt(r.amount.replace('.', '')), 0n);
        expect(totals.n).toBe('10000');
        expect(totals.total.replace('.', '')).toBe(expectedTotal.toString());
        const back = await db.selectFrom('items').selectAll().orderBy('id').limit(30).execute();
        for (const [i, row] of back.entries()) {
          const sent = rows[i]!;
          expect({ ...row, id: undefined }).toEqual({ ...sent, id: undefined });
        }
        const again = await insertMany(db, 'items', rows.slice(0, 10), { schema, onConflictDoNothing: true });
        expect(again).toBe(0);
      }));

    test('insertMany is atomic: a conflict in a later chunk leaves none of the rows', async () =>
      withService(makeDb, async ({ db, schema }) => {
        const rows = Array.from({ length: 50 }, (_, i) => ({ sku: i === 49 ? 'sku-0' : `sku-${i}`, amount: '1' }));
        const err = await insertMany(db, 'items', rows, { schema, chunkRows: 10 }).catch((e: unknown) => e);
        expect(isUniqueViolation(err)).toBe(true);
        const count = await db
          .selectFrom('items')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow();
        expect(count.n).toBe('0');
      }));

    test('insertMany: a row refused while an earlier chunk is being inserted fails the call and leaves none', async () =>
      withService(makeDb, async ({ db, schema }) => {
        // The next chunk is rendered while the current one is inserted; a value it refuses (undefined) must not
        // leave the chunk in flight committed.
        const rows = Array.from({ length: 30 }, (_, i) => ({ sku: `sku-${i}`, amount: i === 25 ? undefined : '1' }));
        const err = await insertMany(db, 'items', rows as never, { schema, chunkRows: 10 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InsertManyError);
        const count = await db
          .selectFrom('items')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow();
        expect(count.n).toBe('0');
      }));
  });
}
