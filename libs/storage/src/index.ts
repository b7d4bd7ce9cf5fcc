export { type Expression, type Kysely, type RawBuilder, type SqlBool, sql, type Transaction } from 'kysely';
export type { Migration } from 'kysely/migration';
export {
  classifyDatabaseError,
  DatabaseUnavailableError,
  isDatabaseUnavailable,
  type WaitForDatabaseOptions,
  waitForDatabase,
} from './availability.js';
export { createDatabase, type Database, type DatabaseOptions, pgliteClusterImage } from './create-database.js';
export {
  ConnectionBusyError,
  constraintName,
  isUniqueViolation,
  MigrationError,
  pgErrorCode,
  SqlState,
  StorageError,
} from './errors.js';
export { InsertManyError, type InsertManyOptions, insertMany } from './insert-many.js';
export { type MigrateOptions, migrateToLatest } from './migrate.js';
export { PgliteDialect, type PgliteDialectConfig } from './pglite-dialect.js';
export { Oid } from './type-parsing.js';
