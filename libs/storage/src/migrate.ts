/**
 * Per-service migrations. Each service owns one Postgres schema; its tables and its migration bookkeeping
 * (`<schema>.kysely_migration`, `<schema>.kysely_migration_lock`, as Kysely's migrator kept them, so databases it
 * migrated carry on) live there, so services migrate independently.
 *
 * Migrations are written against `Kysely<any>` (frozen in time, never against the current DB type) and receive
 * a db already scoped with `withSchema(schema)`: `db.schema.createTable('fills')` lands in the service schema.
 * Raw SQL inside a migration may use unqualified names too: each runs with `search_path = <schema>, public`.
 * Pending migrations run in name order, all in one transaction (Postgres has transactional DDL): either the
 * whole batch applies or none of it does.
 *
 * Why not Kysely's Migrator: it looks for its own tables by introspecting every schema of the database, and that
 * look-up calls functions per column (pg_get_serial_sequence) that read the catalog as it is now, not as its scan
 * saw it — so another connection renaming a column or dropping a table or schema anywhere in the database (test
 * files in parallel on one database do, all the time) failed a migration that had nothing to do with it (42703,
 * 42P01, 3F000), and the look-up's cost grew with every schema in the database. Here every statement names our
 * schema, and concurrent migrators of one schema queue on its lock row.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Migration } from 'kysely/migration';
import { isUniqueViolation, MigrationError, pgErrorCode, SqlState } from './errors.js';

export interface MigrateOptions {
  /** The service's Postgres schema, e.g. 'orders'. Created when missing. */
  readonly schema: string;
  /** Name → migration; names sort in application order ('0001_init', '0002_fills', ...). */
  readonly migrations: Readonly<Record<string, Migration>>;
}

const LOCK_ROW = 'migration_lock';

/** Applies pending migrations; returns the names applied now (empty when already up to date). */
export async function migrateToLatest<DB>(db: Kysely<DB>, options: MigrateOptions): Promise<string[]> {
  const { schema } = options;
  const names = Object.keys(options.migrations).sort();
  try {
    await ensureBookkeeping(db, schema);
  } catch (err) {
    throw new MigrationError(schema, undefined, { cause: err });
  }
  let running: string | undefined;
  try {
    return await db.transaction().execute(async (trx) => {
      const table = (name: string) => sql.table(`${schema}.${name}`);
      // One migrator of this schema at a time: the others wait here, then find the batch applied.
      await sql`select id from ${table('kysely_migration_lock')} where id = ${LOCK_ROW} for update`.execute(trx);
      const done = (
        await sql<{ name: string }>`select name from ${table('kysely_migration')} order by name`.execute(trx)
      ).rows.map((r) => r.name);
      const unknown = done.filter((name) => !(name in options.migrations));
      if (unknown.length > 0)
        throw new Error(`the schema was migrated by a newer version: ${unknown.join(', ')} is not known here`);
      const pending = names.filter((name) => !done.includes(name));
      const last = done.at(-1);
      const early = last === undefined ? undefined : pending.find((name) => name < last);
      if (early !== undefined) throw new Error(`migration ${early} sorts before ${last}, which was applied already`);
      const scoped = trx.withSchema(schema) as Transaction<unknown>;
      for (const name of pending) {
        running = name;
        await sql`select set_config('search_path', ${searchPath(schema)}, true)`.execute(trx);
        await options.migrations[name]!.up(scoped as Kysely<unknown>);
        await sql`insert into ${table('kysely_migration')} (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(
          trx,
        );
      }
      running = undefined;
      return pending;
    });
  } catch (err) {
    throw new MigrationError(schema, running, { cause: err });
  }
}

const searchPath = (schema: string): string => `"${schema.replaceAll('"', '""')}", public`;

/** The schema and its two bookkeeping tables (as Kysely created them), each created when missing. */
async function ensureBookkeeping<DB>(db: Kysely<DB>, schema: string): Promise<void> {
  const migrationTable = sql.table(`${schema}.kysely_migration`);
  const lockTable = sql.table(`${schema}.kysely_migration_lock`);
  // One look-up, so a service that starts on a migrated schema creates nothing. Looked up rather than `if not
  // exists`: `create schema if not exists` needs the CREATE right on the database even when the schema is there,
  // and a service's role has only its own schema (infra/postgres/roles.psql creates it for the role).
  const { rows } = await sql<{ schema: boolean; migrations: boolean; lock: boolean }>`select
      exists (select 1 from pg_namespace where nspname = ${schema}) as schema,
      to_regclass(${`"${schema.replaceAll('"', '""')}".kysely_migration`}) is not null as migrations,
      to_regclass(${`"${schema.replaceAll('"', '""')}".kysely_migration_lock`}) is not null as lock`.execute(db);
  const found = rows[0];
  // Two sessions creating the same object at once: the loser fails (a catalog unique violation, or "exists"),
  // finds it there and goes on.
  const create = async (statement: ReturnType<typeof sql>): Promise<void> => {
    try {
      await statement.execute(db);
    } catch (err) {
      if (!isUniqueViolation(err) && pgErrorCode(err) !== SqlState.duplicateTable) throw err;
    }
  };
  if (found?.schema !== true) await create(sql`create schema if not exists ${sql.id(schema)}`);
  if (found?.migrations !== true)
    await create(
      sql`create table if not exists ${migrationTable} (name varchar(255) primary key, timestamp varchar(255) not null)`,
    );
  if (found?.lock !== true) {
    await create(
      sql`create table if not exists ${lockTable} (id varchar(255) primary key, is_locked integer not null default 0)`,
    );
    await sql`insert into ${lockTable} (id, is_locked) values (${LOCK_ROW}, 0) on conflict (id) do nothing`.execute(db);
  }
}
