/**
 * One entry point for both backends. Services take a `Database<DB>` and never learn which one they run on;
 * the type mapping (see type-parsing.ts) is identical on both.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
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
       * Called when an idle pooled client loses its server (restart, failover). The next query gets a fresh
       * client and reports its own failure; default: a process warning.
       */
      readonly onIdleClientError?: (err: Error) => void;
    }
  | {
      readonly kind: 'pglite';
      /** A directory that keeps the data across restarts; undefined = in-memory (tests). */
      readonly dataDir?: string;
      /** See PgliteDialectConfig.acquireTimeoutMs. */
      readonly acquireTimeoutMs?: number;
    };

export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly kind: DatabaseOptions['kind'];
  /** Destroys Kysely and ends the pool / closes PGlite. Idempotent. */
  close(): Promise<void>;
}

export async function createDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  if (options.kind === 'pg') {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      types: pgTypeOverrides,
      ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
    });
    // Unhandled, an idle client's 'error' event would crash the process.
    pool.on('error', options.onIdleClientError ?? ((err) => process.emitWarning(err, 'PgPoolIdleClientError')));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'pg', close: once(() => db.destroy()) };
  }

  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
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

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
