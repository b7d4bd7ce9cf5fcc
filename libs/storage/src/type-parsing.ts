/**
 * One mapping from Postgres types to JS values, shared by both backends so a query returns the same JS types on
 * pg and on PGlite:
 *
 * | Postgres                    | JS                    | why                                                  |
 * |-----------------------------|-----------------------|------------------------------------------------------|
 * | numeric, numeric[]          | string (exact decimal)| money never passes through binary floats             |
 * | int8 / bigint, int8[]       | string                | exact beyond 2^53 and JSON-serialisable (bigint isn't)|
 * | int2, int4, float4, float8  | number                | driver defaults                                      |
 * | timestamptz                 | Date                  | an instant                                           |
 * | timestamp (no time zone)    | string as stored      | not an instant; no guessing of the local zone        |
 * | date                        | string 'YYYY-MM-DD'   | a calendar day, not an instant                       |
 * | json, jsonb                 | parsed value          |                                                      |
 *
 * Parameters: pass numerics and int8 as strings (numbers are accepted but lose exactness beyond float range),
 * Dates for timestamptz, and objects for jsonb. A JS array bound to a jsonb parameter must be
 * `JSON.stringify`-ed first: pg turns JS arrays into Postgres array literals.
 */
import pg from 'pg';

export const Oid = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  int8Array: 1016,
  numericArray: 1231,
  textArray: 1009,
  dateArray: 1182,
  timestampArray: 1115,
} as const;

const asText = (value: string): string => value;
// pg's TypeId enum lacks the array oids; 1009 (text[]) parses to string[].
const textArrayParser = pg.types.getTypeParser(Oid.textArray as Parameters<typeof pg.types.getTypeParser>[0], 'text');

/** Per-pool type parsers for pg (passed as `types` to the Pool; pg's global parsers stay untouched). */
export const pgTypeOverrides: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    switch (oid) {
      case Oid.int8:
      case Oid.numeric:
      case Oid.date:
      case Oid.timestamp:
        return asText;
      case Oid.int8Array:
      case Oid.numericArray:
      case Oid.dateArray:
      case Oid.timestampArray:
        return textArrayParser;
      default:
        return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** PGlite `parsers` option with the same choices; PGlite derives its array parsers from these. */
export const pgliteParsers: Record<number, (value: string) => unknown> = {
  [Oid.int8]: asText,
  [Oid.numeric]: asText,
  [Oid.date]: asText,
  [Oid.timestamp]: asText,
};
