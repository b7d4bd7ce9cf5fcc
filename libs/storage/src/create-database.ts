/**
 * One entry point for both backends. Services take a `Database<DB>` and never learn which one they run on;
 * the type mapping (see type-parsing.ts) is identical on both.
 */
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { classifyDatabaseError } from './availability.js';
import { PgliteDialect } from './pglite-dialect.js';
import { pgliteParsers, pgTypeOverrides } from './type-parsing.js';

export type DatabaseOptions =
  | {
      readonly kind: 'pg';
      /** postgres://user:pass@host:port/db; the usual libpq-style URL accepted by `pg`. */
      readonly url: string;
      /** Pool size. Default 10. */
      readonly poolMax?: number;
      /** Pool `application_name`, visible in pg_stat_activity. */
      readonly applicationName?: string;
      /**
       * Called when a pooled client loses its server (reset, restart, failover), idle in the pool or checked out
       * between two statements. The client is dropped; the next query gets a fresh one and reports its own failure
       * (as DatabaseUnavailableError while the server is unreachable). Default: a process warning.
       */
      readonly onIdleClientError?: (err: Error) => void;
      /** Bound on opening a connection, ms (default 5 000): a server that does not answer is unavailable. */
      readonly connectTimeoutMs?: number;
    }
  | {
      readonly kind: 'pglite';
      /** A directory that keeps the data across restarts; undefined = in-memory (tests). */
      readonly dataDir?: string;
      /** See PgliteDialectConfig.acquireTimeoutMs. */
      readonly acquireTimeoutMs?: number;
      /**
       * A cluster to start from (`pgliteClusterImage`) instead of running initdb: an in-memory database in ~1.3 s
       * instead of ~3.5 s (tests open dozens).
       */
      readonly image?: Blob;
    };

export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly kind: DatabaseOptions['kind'];
  /** Destroys Kysely and ends the pool / closes PGlite. Idempotent. */
  close(): Promise<void>;
}

/**
 * PGlite is loaded when a PGlite database is opened, not with this module: a service or CLI command on Postgres
 * would otherwise pay ~0.3 s of start-up for a WebAssembly build of Postgres it never runs.
 */
const loadPglite = () => import('@electric-sql/pglite');

export async function createDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  if (options.kind === 'pg') {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      types: pgTypeOverrides,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      // A peer that vanished without a FIN/RST (a cut link) is found by TCP keepalive instead of never.
      keepAlive: true,
      ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
    });
    const onClientError =
      options.onIdleClientError ?? ((err: Error) => process.emitWarning(err, 'PgPoolIdleClientError'));
    // Unhandled, an idle client's 'error' event would crash the process.
    pool.on('error', onClientError);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: availabilityAwarePool(pool, onClientError) }) });
    return { db, kind: 'pg', close: once(() => db.destroy()) };
  }

  const { PGlite } = await loadPglite();
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.image === undefined ? {} : { loadDataDir: options.image }),
    parsers: pgliteParsers,
  });
  const db = new Kysely<DB>({
    dialect: new PgliteDialect({
      pglite,
      ...(options.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: options.acquireTimeoutMs }),
    }),
  });
  return {
    db,
    kind: 'pglite',
    close: once(async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    }),
  };
}

const PREPARED = Symbol('availability-aware');

/**
 * The pool as Kysely sees it, with two repairs:
 * - pg-pool removes its error listener from a client while it is checked out, so a connection reset between two
 *   statements of a transaction (no query active to receive it) was an uncaught 'error' that killed the process.
 *   Each client gets a listener of its own for its whole life;
 * - connect and query failures that mean "server unreachable" become DatabaseUnavailableError (SERVICE_UNAVAILABLE).
 */
function availabilityAwarePool(pool: pg.Pool, onClientError: (err: Error) => void): PostgresPool {
  const prepare = (client: pg.PoolClient & { [PREPARED]?: true }): PostgresPoolClient => {
    if (client[PREPARED] === undefined) {
      client[PREPARED] = true;
      client.on('error', onClientError);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const result = query(...args);
        // Kysely passes (sql, params) and gets a promise; a cursor (streaming) is returned as it is.
        return result instanceof Promise
          ? result.catch((err: unknown) => {
              throw classifyDatabaseError(err);
            })
          : result;
      };
    }
    return client as unknown as PostgresPoolClient;
  };
  return {
    async connect() {
      try {
        return prepare(await pool.connect());
      } catch (err) {
        throw classifyDatabaseError(err);
      }
    },
    end: () => pool.end(),
    options: pool.options,
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

/** A fresh PGlite cluster as an image (its data directory, uncompressed) for `createDatabase({ image })`. */
export async function pgliteClusterImage(): Promise<Blob> {
  const { PGlite } = await loadPglite();
  const pglite = await PGlite.create();
  try {
    return await pglite.dumpDataDir('none');
  } finally {
    await pglite.close();
  }
}
