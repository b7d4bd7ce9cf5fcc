/**
 * Storage error classes. Driver errors (pg's and PGlite's `DatabaseError`) are kept as `cause`, never replaced,
 * so the SQLSTATE and constraint name stay reachable through {@link pgErrorCode} / {@link isUniqueViolation}.
 */

export class StorageError extends Error {
  override name = 'StorageError';
}

/** A migration failed; `migrationName` is the one that failed (undefined when the migrator itself failed). */
export class MigrationError extends StorageError {
  override name = 'MigrationError';
  readonly schema: string;
  readonly migrationName: string | undefined;

  constructor(schema: string, migrationName: string | undefined, options: { cause: unknown }) {
    const where = migrationName === undefined ? 'the migrator' : `migration "${migrationName}"`;
    super(`Migrating schema "${schema}" failed in ${where}: ${describe(options.cause)}`, options);
    this.schema = schema;
    this.migrationName = migrationName;
  }
}

/** The PGlite connection stayed busy past the acquire timeout (usually: a query on `db` inside a `trx`). */
export class ConnectionBusyError extends StorageError {
  override name = 'ConnectionBusyError';
}

/** SQLSTATE codes we branch on. */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  duplicateTable: '42P07',
} as const;

/**
 * The SQLSTATE of a database error from either backend, looking through `cause` chains (Kysely and our own
 * wrappers keep the driver error as cause). Undefined when no error in the chain carries one.
 */
export function pgErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/** True when the error (or its cause chain) is a unique-key conflict (SQLSTATE 23505), on pg and PGlite alike. */
export function isUniqueViolation(err: unknown): boolean {
  return pgErrorCode(err) === SqlState.uniqueViolation;
}

/** The violated constraint's name, when the backend reports one (both do for 23505). */
export function constraintName(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    const name = (current as { constraint?: unknown }).constraint;
    if (typeof name === 'string') return name;
    current = current.cause;
  }
  return undefined;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
