/**
 * Field kinds of Alpaca's JSON and a checker: every documented field must be present with its documented kind.
 * Kinds are what Alpaca's examples show: money and quantities as decimal strings on trading objects, plain JSON
 * numbers on market data, RFC 3339 timestamps, UUID ids.
 */

export type Kind =
  | 'string'
  | 'decimal'
  | 'uuid'
  | 'timestamp'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'string[]'
  | 'array'
  | 'object'
  | 'null';

/** A field's kinds: one, or several when the field may be null or differ by state. */
export type Shape = Readonly<Record<string, Kind | readonly Kind[]>>;

const DECIMAL = /^-?\d+(\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function is(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'decimal':
      return typeof value === 'string' && DECIMAL.test(value);
    case 'uuid':
      return typeof value === 'string' && UUID.test(value);
    case 'timestamp':
      return typeof value === 'string' && RFC3339.test(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'null':
      return value === null;
  }
}

/** The mismatches of `value` against `shape` (empty when it conforms). */
export function mismatches(value: unknown, shape: Shape): string[] {
  if (typeof value !== 'object' || value === null) return [`not an object: ${JSON.stringify(value)}`];
  const record = value as Record<string, unknown>;
  const out: string[] = [];
  for (const [field, kinds] of Object.entries(shape)) {
    const allowed: readonly Kind[] = typeof kinds === 'string' ? [kinds] : kinds;
    if (!(field in record)) out.push(`${field}: missing`);
    else if (!allowed.some((k) => is(record[field], k))) {
      out.push(`${field}: ${JSON.stringify(record[field])} is not ${allowed.join(' | ')}`);
    }
  }
  return out;
}
