import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionBusyError, createDatabase, migrateToLatest, sql } from '@trading-system/storage';
import { openPgliteTestDatabase, pgliteTestImage } from '@trading-system/testkit';
import { expect, test } from 'vitest';
import { runStorageSuite } from './behaviour.js';
import { serviceMigrations, type TestDb } from './fixtures.js';

runStorageSuite('PGlite (in-memory)', () => openPgliteTestDatabase<TestDb>());

test('a PGlite data directory keeps schema, rows and migration history across close and reopen', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pglite-'));
  try {
    // The directory starts from the process's fresh cluster rather than an initdb of its own: what is under test is
    // what a close and reopen keep, not initdb.
    const first = await createDatabase<TestDb>({ kind: 'pglite', dataDir, image: await pgliteTestImage() });
    await migrateToLatest(first.db, { schema: 'svc', migrations: serviceMigrations });
    await first.db.withSchema('svc').insertInto('items').values({ sku: 'kept', amount: '0.1' }).execute();
    await first.close();

    const second = await createDatabase<TestDb>({ kind: 'pglite', dataDir });
    try {
      expect(await migrateToLatest(second.db, { schema: 'svc', migrations: serviceMigrations })).toEqual([]);
      const rows = await second.db.withSchema('svc').selectFrom('items').select(['sku', 'amount']).execute();
      expect(rows).toEqual([{ sku: 'kept', amount: '0.1' }]);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a query on the outer db inside a PGlite transaction fails with ConnectionBusyError instead of hanging', async () => {
  const database = await createDatabase<TestDb>({
    kind: 'pglite',
    acquireTimeoutMs: 200,
    image: await pgliteTestImage(),
  });
  try {
    const err = await database.db
      .transaction()
      .execute(async () => {
        await database.db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionBusyError);
    // The connection is usable again afterwards.
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(rows).toEqual([{ one: 1 }]);
  } finally {
    await database.close();
  }
});
