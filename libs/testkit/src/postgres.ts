/**
 * Database fixtures for tests. Tests never skip for want of a database: DATABASE_URL, else the local server on
 * 127.0.0.1:5432, else a throwaway postgres:16 container via testcontainers, else a clear error.
 *
 * Isolation is by schema: every test gets fresh schema names (createTestSchemaName) and drops them afterwards,
 * so test files run in parallel against one database without colliding.
 */
import { randomBytes } from 'node:crypto';
import { createDatabase, type Kysely, sql } from '@trading-system/storage';
import { pgliteTestImage } from './pglite-image.js';
import { resolveServiceUrl } from './resolve-service.js';

export const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export class TestDatabaseUnavailableError extends Error {
  override name = 'TestDatabaseUnavailableError';
}

let resolved: Promise<string> | undefined;

/** The Postgres URL tests use; resolved once per process (a started container is reused and reaped on exit). */
export function databaseUrl(): Promise<string> {
  resolved ??= resolveDatabaseUrl();
  return resolved;
}

function resolveDatabaseUrl(): Promise<string> {
  return resolveServiceUrl({
    envVar: 'DATABASE_URL',
    localUrl: LOCAL_DATABASE_URL,
    localPort: 5432,
    startContainer: async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer('postgres:16')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
        .withExposedPorts(5432)
        // The entrypoint restarts the server once after initdb; the second "ready" is the real one.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/test`;
    },
    unavailable: (cause) =>
      new TestDatabaseUnavailableError(
        'No Postgres for tests: DATABASE_URL is unset, nothing answers on 127.0.0.1:5432, and a postgres:16 ' +
          'container could not be started. Set DATABASE_URL=postgres://user@host:port/db or start Postgres/Docker.',
        { cause },
      ),
  });
}

let counter = 0;

/** A schema name unique across processes and runs: `<prefix>_<pid>_<n>_<random>`, lowercase, ≤ 63 bytes. */
export function createTestSchemaName(prefix = 't'): string {
  counter += 1;
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 24);
  return `${clean}_${process.pid}_${counter}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase<DB> {
  readonly kind: 'pg' | 'pglite';
  readonly db: Kysely<DB>;
  /** A fresh schema reserved for this test, already created; dropped by close(). */
  readonly schema: string;
  /** Another fresh schema name (not created: e.g. for migrateToLatest); dropped by close() too. */
  newSchema(prefix?: string): string;
  /** Drops the test's schemas (pg) and closes the pool / PGlite. */
  close(): Promise<void>;
}

/** A pool (default 4 connections) on the test database with a fresh, already-created schema. */
export async function openPgTestDatabase<DB>(options: { poolMax?: number } = {}): Promise<TestDatabase<DB>> {
  const url = await databaseUrl();
  const database = await createDatabase<DB>({ kind: 'pg', url, poolMax: options.poolMax ?? 4 });
  const schema = createTestSchemaName();
  await sql`create schema ${sql.id(schema)}`.execute(database.db);
  const schemas = [schema];
  return {
    kind: 'pg',
    db: database.db,
    schema,
    newSchema: (prefix) => {
      const name = createTestSchemaName(prefix);
      schemas.push(name);
      return name;
    },
    close: async () => {
      try {
        for (const name of schemas) {
          await sql`drop schema if exists ${sql.id(name)} cascade`.execute(database.db);
        }
      } finally {
        await database.close();
      }
    },
  };
}

/** An in-memory PGlite; `schema` is created too, so tests read the same on both backends. */
export async function openPgliteTestDatabase<DB>(): Promise<TestDatabase<DB>> {
  const database = await createDatabase<DB>({ kind: 'pglite', image: await pgliteTestImage() });
  const schema = createTestSchemaName();
  await sql`create schema ${sql.id(schema)}`.execute(database.db);
  return { kind: 'pglite', db: database.db, schema, newSchema: createTestSchemaName, close: database.close };
}

/** Runs `fn` with a fresh schema on the test Postgres and drops it afterwards, whatever `fn` does. */
export async function withPgDatabase<DB, R>(fn: (t: TestDatabase<DB>) => Promise<R>): Promise<R> {
  const t = await openPgTestDatabase<DB>();
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/** Runs `fn` with an in-memory PGlite and closes it afterwards. */
export async function withPglite<DB, R>(fn: (t: TestDatabase<DB>) => Promise<R>): Promise<R> {
  const t = await openPgliteTestDatabase<DB>();
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}
