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
  try {
    outcome = await migrator.migrateToLatest();
  } catch (err) {
    throw new MigrationError(schema, undefined, { cause: err });
  }
  const results: readonly MigrationResult[] = outcome.results ?? [];
  if (outcome.error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(schema, failed, { cause: outcome.error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
