/**
 * Bulk insert for both backends: one `INSERT ... SELECT ... FROM unnest($1::text[], $2::text[], ...)` per chunk.
 *
 * Each column travels as one text[] parameter (so a statement binds as many parameters as there are columns,
 * far below Postgres' 65 535 limit, whatever the row count) and is cast in SQL to the column's real type read
 * from the catalog. Values are rendered to Postgres text here, once, the same way for pg and PGlite, which keeps
 * NUMERIC exact (strings in, strings cast) and avoids driver-specific array serialisation of typed values.
 *
 * Value rendering: null → NULL; string as is; number (finite) and bigint → decimal text; boolean → true/false;
 * Date → ISO-8601 UTC; Uint8Array → bytea hex; plain objects and arrays → JSON text for json/jsonb columns.
 * Array-typed columns (int[], text[]) take a Postgres array literal string. `undefined` is refused (say null).
 */
import { type Insertable, type Kysely, sql } from 'kysely';
import { StorageError } from './errors.js';

export class InsertManyError extends StorageError {
  override name = 'InsertManyError';
}

export interface InsertManyOptions {
  /** Schema of the table; needed when `db` was scoped with `withSchema` (the catalog lookup can't see that). */
  readonly schema?: string;
  /** Rows per statement. Default 5 000; bounds statement size and memory, not parameter count. */
  readonly chunkRows?: number;
  /** Add `ON CONFLICT DO NOTHING`; the returned count then excludes skipped rows. */
  readonly onConflictDoNothing?: boolean;
}

interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly isJson: boolean;
}

/**
 * Inserts all rows (every row must have the same keys) and returns how many were inserted. Runs in one
 * transaction: inside the caller's when `db` is a Transaction, else in its own when more than one chunk is needed.
 */
export async function insertMany<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  rows: ReadonlyArray<Insertable<DB[T]>>,
  options: InsertManyOptions = {},
): Promise<number> {
  const first = rows[0];
  if (first === undefined) return 0;
  const columnNames = Object.keys(first as object);
  if (columnNames.length === 0) throw new InsertManyError(`insertMany(${table}): rows have no columns`);
  const chunkRows = options.chunkRows ?? 5_000;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new InsertManyError(`chunkRows must be a positive integer`);
  const qualified = options.schema === undefined ? table : `${options.schema}.${table}`;

  const run = async (executor: Kysely<DB>): Promise<number> => {
    const columns = await readColumns(executor, qualified, columnNames);
    const render = (start: number): string[] => {
      const chunk = rows.slice(start, start + chunkRows);
      return columns.map((column) =>
        textArrayLiteral(chunk.map((row, i) => renderValue(row as Record<string, unknown>, column, start + i))),
      );
    };
    let inserted = 0;
    let arrays = render(0);
    for (let start = 0; start < rows.length; start += chunkRows) {
      const pending = sql`insert into ${sql.table(qualified)} (${sql.join(columns.map((c) => sql.ref(c.name)))})
        select ${sql.join(columns.map((c, i) => sql`${sql.ref(`u.c${i}`)}::${sql.raw(c.type)}`))}
        from unnest(${sql.join(arrays.map((values) => sql`${values}::text[]`))}) as u(${sql.join(
          columns.map((_, i) => sql.id(`c${i}`)),
        )})
        ${options.onConflictDoNothing ? sql`on conflict do nothing` : sql``}`.execute(executor);
      // The next chunk is rendered while the server inserts this one (this process and the server's backend run
      // side by side); a failed insert still ends the loop at its await, before anything else is sent.
      const next = start + chunkRows;
      try {
        if (next < rows.length) arrays = render(next);
      } catch (err) {
        await pending.catch(() => undefined);
        throw err;
      }
      inserted += Number((await pending).numAffectedRows ?? 0n);
    }
    return inserted;
  };

  if (db.isTransaction || rows.length <= chunkRows) return run(db);
  return db.transaction().execute((trx) => run(trx));
}

async function readColumns<DB>(db: Kysely<DB>, table: string, names: readonly string[]): Promise<ColumnInfo[]> {
  const regclass = table
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
  const { rows } = await sql<{ name: string; type: string; base: string }>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, t.typname as base
    from pg_attribute a join pg_type t on t.oid = a.atttypid
    where a.attrelid = to_regclass(${regclass}) and a.attnum > 0 and not a.attisdropped`.execute(db);
  if (rows.length === 0) throw new InsertManyError(`insertMany: table ${regclass} not found`);
  const byName = new Map(rows.map((r) => [r.name, r]));
  return names.map((name) => {
    const info = byName.get(name);
    if (!info) throw new InsertManyError(`insertMany: table ${regclass} has no column "${name}"`);
    return { name, type: info.type, isJson: info.base === 'json' || info.base === 'jsonb' };
  });
}

/** Plain array elements: no quoting needed (and not the word NULL, which an unquoted element would mean). */
const PLAIN = /^[A-Za-z0-9._:+-]+$/;

/**
 * The `text[]` literal of `values`, built here rather than by the driver: plain values (numbers, ids, times)
 * unquoted, others quoted with `\` and `"` escaped. About half the bytes and work of the generic serialiser.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  const out: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) out[i] = 'NULL';
    else if (PLAIN.test(v) && (v.length !== 4 || v.toUpperCase() !== 'NULL')) out[i] = v;
    else out[i] = `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  }
  return `{${out.join(',')}}`;
}

function renderValue(row: Record<string, unknown>, column: ColumnInfo, index: number): string | null {
  if (!(column.name in row)) throw new InsertManyError(`insertMany: row ${index} lacks column "${column.name}"`);
  const value = row[column.name];
  if (value === null) return null;
  if (column.isJson && typeof value !== 'string') return JSON.stringify(value);
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new InsertManyError(`insertMany: row ${index}.${column.name} is ${value}`);
      return String(value);
    default:
      break;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new InsertManyError(`insertMany: row ${index}.${column.name} is an invalid Date`);
    return value.toISOString();
  }
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  throw new InsertManyError(
    `insertMany: row ${index}.${column.name} (${column.type}) cannot take a ${value === undefined ? 'undefined' : typeof value} value`,
  );
}
