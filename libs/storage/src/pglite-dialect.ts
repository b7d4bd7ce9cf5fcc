/**
 * Kysely dialect for PGlite (Postgres compiled to WASM, one backend, one session).
 *
 * Why not Kysely's bundled `PGliteDialect`: it hands out one shared connection without exclusion, so while a
 * transaction is open any other query sent through `db` runs inside that transaction (and is rolled back with
 * it), and it ignores isolation settings. Here the single connection is guarded by a mutex held from acquire
 * to release, so Kysely's per-query and per-transaction acquisitions serialise exactly as a one-connection pool
 * would. Transactions are plain BEGIN/COMMIT on that connection.
 *
 * Consequence (same as pg with poolMax 1): using the outer `db` inside `db.transaction().execute(trx => ...)`
 * waits for the transaction to end; after `acquireTimeoutMs` it fails with ConnectionBusyError, not a hang.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  AbortedTransactionError,
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { ConnectionBusyError } from './errors.js';

export interface PgliteDialectConfig {
  readonly pglite: PGlite;
  /** How long a query waits for the single connection before failing (ms). Default 30 000. */
  readonly acquireTimeoutMs?: number;
}

export class PgliteDialect implements Dialect {
  readonly #config: PgliteDialectConfig;

  constructor(config: PgliteDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new PgliteDriver(this.#config.pglite, this.#config.acquireTimeoutMs ?? 30_000);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PgliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/**
 * Postgres semantics without the advisory migration lock (one connection cannot race itself). Unlike Kysely's
 * PGliteAdapter it claims multiple-connection support, so Kysely leaves exclusion to our driver's mutex, which
 * has a timeout, instead of its own, which waits forever.
 */
class PgliteAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {
    // nothing to lock: the driver's mutex already makes every transaction exclusive
  }
  override async releaseMigrationLock(): Promise<void> {
    // see acquireMigrationLock
  }
}

class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  async lock(timeoutMs: number): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(grant);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(
          new ConnectionBusyError(
            `PGlite connection busy for ${timeoutMs} ms; a query on the outer db inside a transaction waits forever`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push(grant);
    });
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

class PgliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #acquireTimeoutMs: number;
  readonly #mutex = new Mutex();
  readonly #connection: PgliteConnection;

  constructor(pglite: PGlite, acquireTimeoutMs: number) {
    this.#pglite = pglite;
    this.#acquireTimeoutMs = acquireTimeoutMs;
    this.#connection = new PgliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock(this.#acquireTimeoutMs);
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      statement = 'start transaction';
      if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) statement += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    // the PGlite instance is owned by createDatabase, which closes it after Kysely is destroyed
  }
}

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

class PgliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters], {
      rowMode: 'object',
    });
    const command = result.command?.toUpperCase();
    // COMMIT of an aborted transaction reports ROLLBACK: surface it like pg would, as an error.
    if (command === 'ROLLBACK' && /^\s*commit\b/i.test(compiledQuery.sql)) {
      throw new AbortedTransactionError();
    }
    return {
      numAffectedRows:
        command !== undefined && WRITE_COMMANDS.has(command) && result.rowCount !== undefined
          ? BigInt(result.rowCount)
          : undefined,
      rows: result.rows,
    };
  }

  // biome-ignore lint/correctness/useYield: streaming is deliberately unsupported on PGlite
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on PGlite');
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
