/**
 * Per-service migrations. Each service owns one Postgres schema; its tables and its migration bookkeeping
 * (`<schema>.kysely_migration`, `<schema>.kysely_migration_lock`) live there, so services migrate independently.
 *
 * Migrations are written against `Kysely<any>` (frozen in time, never against the current DB type) and receive
 * a db already scoped with `withSchema(schema)`: `db.schema.createTable('fills')` lands in the service schema.
 * Raw SQL inside a migration may use unqualified names too: each runs with `search_path = <schema>, public`.
 * Pending migrations run in name order, all in one transaction (Postgres has transactional DDL): either the
 * whole batch applies or none of it does.
 */
import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationResult, type MigrationResultSet, Migrator } from 'kysely/migration';
import { MigrationError } from './errors.js';

export interface MigrateOptions {
  /** The service's Postgres schema, e.g. 'orders'. Created when missing. */
  readonly schema: string;
  /** Name → migration; names sort in application order ('0001_init', '0002_fills', ...). */
  readonly migrations: Readonly<Record<string, Migration>>;
}

/**
 * Kysely's migrator looks for its tables by introspecting every schema of the database; a schema another
 * connection drops meanwhile (test files in parallel on one database, each dropping its own at the end) fails that
 * look-up with 3F000 naming the other schema. Nothing of ours was applied then (the batch is one transaction):
 * trying again is safe.
 */
const OTHER_SCHEMA_ATTEMPTS = 5;

function otherSchemaVanished(err: unknown, schema: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e?.code !== '3F000' || typeof e.message !== 'string') return false;
  const named = /schema "([^"]+)" does not exist/.exec(e.message)?.[1];
  return named !== undefined && named !== schema;
}

/** Applies pending migrations; returns the names applied now (empty when already up to date). */
export async function migrateToLatest<DB>(db: Kysely<DB>, options: MigrateOptions): Promise<string[]> {
  const { schema } = options;
  const searchPath = `"${schema.replaceAll('"', '""')}", public`;
  // Kysely's migrator runs the pending batch in one transaction (holding its advisory lock outside it); each
  // migration first pins search_path for the rest of that transaction.
  const migrations: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(options.migrations)) {
    migrations[name] = {
      up: async (trx) => {
        await sql`select set_config('search_path', ${searchPath}, true)`.execute(trx);
        await migration.up(trx);
      },
    };
  }
  const migrator = new Migrator({
    db: db.withSchema(schema),
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
  });
  let outcome: MigrationResultSet;
  for (let attempt = 1; ; attempt += 1) {
    try {
      outcome = await migrator.migrateToLatest();
    } catch (err) {
      if (attempt < OTHER_SCHEMA_ATTEMPTS && otherSchemaVanished(err, schema)) continue;
      throw new MigrationError(schema, undefined, { cause: err });
    }
    if (outcome.error === undefined || attempt >= OTHER_SCHEMA_ATTEMPTS || !otherSchemaVanished(outcome.error, schema))
      break;
  }
  const results: readonly MigrationResult[] = outcome.results ?? [];
  if (outcome.error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(schema, failed, { cause: outcome.error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
