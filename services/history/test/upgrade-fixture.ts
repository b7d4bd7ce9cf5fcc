/**
 * What a test of a database written by an earlier version needs: an in-process bus with its own ORDERS-like stream,
 * a database (PGlite or Postgres) with a fresh schema migrated only up to a given migration, and the current
 * history service started on it — so each upgrade test writes just the old rows it is about.
 */
import type { Bus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import {
  createTestMemoryBus,
  openPgliteTestDatabase,
  openPgTestDatabase,
  type TestBus,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import { type History, start } from '../src/app.js';
import { migrations } from '../src/migrations/index.js';
import { testLogger } from './helpers.js';

export interface UpgradeFixture {
  readonly bus: Bus;
  readonly database: TestDatabase<unknown>;
  /** Untyped: the old version's rows are written as it wrote them. */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  readonly db: Kysely<any>;
  readonly schema: string;
  readonly broker: string;
  /** The stream of order events the service's read model consumes (`orders.evt.>`). */
  readonly stream: string;
  /** Applies the migrations named before `first` (the schema as the version without `first` left it). */
  migrateBefore(first: string): Promise<void>;
  /** The current service on the schema (every migration applied), its read model on `stream`. */
  startHistory(): Promise<History>;
  close(): Promise<void>;
}

export async function openUpgradeFixture(kind: 'pglite' | 'pg'): Promise<UpgradeFixture> {
  const testBus: TestBus = await createTestMemoryBus(catalog);
  const database = kind === 'pg' ? await openPgTestDatabase<unknown>() : await openPgliteTestDatabase<unknown>();
  const stream = uniqueName('ORDERS_');
  await testBus.bus.jetstream.ensureStream({
    name: stream,
    subjects: ['orders.evt.>'],
    storage: 'memory',
    duplicateWindowMs: 60_000,
  });
  const schema = database.newSchema('hist');
  const broker = uniqueName('b');
  // biome-ignore lint/suspicious/noExplicitAny: the old version's rows are written untyped
  const db = database.db as Kysely<any>;
  let app: History | undefined;
  return {
    bus: testBus.bus,
    database,
    db,
    schema,
    broker,
    stream,
    async migrateBefore(first) {
      await migrateToLatest(db, {
        schema,
        migrations: Object.fromEntries(Object.entries(migrations).filter(([n]) => n < first)),
      });
    },
    async startHistory() {
      app = await start({
        bus: testBus.bus,
        db: database.db as never,
        logger: testLogger,
        config: {
          schema,
          brokers: [broker],
          ensureOrdersStream: false,
          ordersStream: stream,
          ordersFilterSubject: 'orders.evt.>',
          ordersDurable: uniqueName('d'),
          liveBars: false,
        },
      });
      return app;
    },
    async close() {
      await app?.stop();
      await testBus.close();
      await database.close();
    },
  };
}
