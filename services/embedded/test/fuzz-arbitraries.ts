/**
 * fast-check arbitraries for requests: hostile mutations of a subject's catalog example (bytes that are not
 * UTF-8 or not JSON, bodies that are not objects, a wrong `v`, a field deleted or replaced by a hostile value,
 * number literals beyond 2^53, oversize bodies) and edge-valid variations of it (values at the borders of
 * what the schema allows). Which of them the contract refuses is decided by the caller's oracle (the schema).
 */
import fc from 'fast-check';

/** A number literal spliced into the JSON text as written (2^53 and beyond, 1.0, -0, 1e400). */
export class RawLiteral {
  constructor(readonly text: string) {}
}

export type Mutation =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly value: unknown };

type Path = readonly (string | number)[];

const encoder = new TextEncoder();

/** The request bytes of a mutation. */
export function toBytes(m: Mutation): Uint8Array {
  if (m.kind === 'bytes') return m.bytes;
  if (m.kind === 'text') return encoder.encode(m.text);
  const raws: string[] = [];
  const text = JSON.stringify(m.value, (_k, v: unknown) => {
    if (v instanceof RawLiteral) {
      raws.push(v.text);
      return `@@raw${raws.length - 1}@@`;
    }
    return v;
  });
  return encoder.encode((text ?? 'null').replace(/"@@raw(\d+)@@"/g, (_, i: string) => raws[Number(i)] ?? 'null'));
}

/** Every path into a JSON value, the root included. */
export function pathsOf(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) out.push(...pathsOf(x, [...prefix, i]));
  } else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

function update(v: unknown, path: Path, fn: (old: unknown) => unknown | typeof DELETE): unknown {
  if (path.length === 0) return fn(v);
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...v];
    const next = update(copy[head as number], rest, fn);
    if (next === DELETE) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  if (v !== null && typeof v === 'object') {
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const next = update(copy[head as string], rest, fn);
    if (next === DELETE) delete copy[head as string];
    else copy[head as string] = next;
    return copy;
  }
  return v;
}

const DELETE = Symbol('delete');
const setAt = (v: unknown, path: Path, x: unknown) => update(v, path, () => x);
const deleteAt = (v: unknown, path: Path) => (path.length === 0 ? v : update(v, path, () => DELETE));

const deep = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Values a hostile client puts into fields. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '',
    ' ',
    '\u0000',
    'NaN',
    'Infinity',
    '-0',
    '1e21',
    '1E-7',
    '+1',
    '.5',
    '007',
    '1000000000000000000000',
    '9007199254740993',
    '99999999999999999999.99',
    '0.0000000000001',
    '-1',
    '0',
    ' AAPL',
    'aapl',
    'AAPL\n',
    'A\u0007B',
    '../../etc/passwd',
    'broker.*.>',
    '*',
    '>',
    'a.b',
    '<script>',
    "'; drop table orders; --",
    '\uD800',
    'x'.repeat(65),
    'x'.repeat(300),
    'x'.repeat(5000),
    new RawLiteral('9007199254740993'),
    new RawLiteral('-9007199254740993'),
    new RawLiteral('18446744073709551616'),
    new RawLiteral('1e400'),
    new RawLiteral('-0'),
    new RawLiteral('1.0'),
    new RawLiteral('2147483648'),
    -1,
    0,
    2 ** 31,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    1.5,
    true,
    false,
    null,
    [],
    {},
    deep(200),
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => new RawLiteral(n.toString())),
  fc.stringMatching(/^-?\d{1,30}(\.\d{1,15})?$/),
  fc.stringMatching(/^[ a-zA-Z\t.]{0,40}$/),
);

/** A mutation of `example` that a client might send by mistake or on purpose. */
export function hostileRequest(example: Record<string, unknown>): fc.Arbitrary<Mutation> {
  const paths = pathsOf(example);
  const field = fc.constantFrom(...paths.filter((p) => p.length > 0));
  const valued = (v: unknown): Mutation => ({ kind: 'value', value: v });
  const text = JSON.stringify(example);
  return fc.oneof(
    // Not UTF-8, not JSON.
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes): Mutation => ({ kind: 'bytes', bytes })),
    fc
      .constantFrom(new Uint8Array([0xff]), new Uint8Array([0xc3, 0x28]), new Uint8Array([0xed, 0xa0, 0x80]))
      .map((bytes): Mutation => ({ kind: 'bytes', bytes })),
    fc.string({ unit: 'binary', maxLength: 80 }).map((t): Mutation => ({ kind: 'text', text: t })),
    fc.integer({ min: 0, max: text.length - 1 }).map((n): Mutation => ({ kind: 'text', text: text.slice(0, n) })),
    fc
      .constantFrom("{'v':1}", '{"v":1,}', '{"v":1}}', '{"v":01}', '{"v":1,"v":2}', 'null', '')
      .map((t): Mutation => ({ kind: 'text', text: t })),
    // Not an object.
    fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileValue).map(valued),
    // v wrong or absent.
    fc
      .constantFrom<unknown>(undefined, 0, 2, -1, '1', 1.5, true, null, [1], new RawLiteral('1e0'))
      .map((v) => valued(v === undefined ? deleteAt(example, ['v']) : setAt(example, ['v'], v))),
    // A field deleted, replaced, or a value planted.
    field.map((p) => valued(deleteAt(example, p))),
    fc.tuple(field, hostileValue).map(([p, v]) => valued(setAt(example, p, v))),
    fc.tuple(field, hostileValue, field, hostileValue).map(([p, v, q, w]) => valued(setAt(setAt(example, p, v), q, w))),
    // Larger than any request may be (the NATS server's max_payload stays above it).
    fc.integer({ min: 64 * 1024, max: 512 * 1024 }).map((n) => valued({ ...example, pad: 'x'.repeat(n) })),
  );
}

/** Values at the borders of what schemas allow (valid in some field, often). */
const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    'aapl',
    ' AAPL ',
    'msft',
    'BRK B',
    'ZZZZ',
    'EUR',
    'smart',
    'usd',
    'BUY',
    'SELL',
    'MKT',
    'LMT',
    'STP',
    'STP LMT',
    'DAY',
    'GTC',
    'IOC',
    'FOK',
    'STK',
    'CASH',
    'FUT',
    'open',
    'final',
    'all',
    '0.01',
    '1',
    '150',
    '190.00',
    '100001',
    '999999999999999',
    '0.000000000001',
    '-5.25',
    1,
    0,
    5_000,
    86_400_000,
    2 ** 31 - 1,
    Number.MAX_SAFE_INTEGER,
    265598,
    true,
    false,
  ),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.stringMatching(/^[1-9]\d{0,14}(\.\d{1,6})?$/),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

/** A variation of `example` that mostly stays within the schema: edge values, optional fields dropped. */
export function validRequest(example: Record<string, unknown>): fc.Arbitrary<Mutation> {
  const paths = pathsOf(example).filter((p) => p.length > 0 && p[0] !== 'v');
  const valued = (v: unknown): Mutation => ({ kind: 'value', value: v });
  if (paths.length === 0) return fc.constant(valued(example));
  const field = fc.constantFrom(...paths);
  const step = fc.oneof(
    fc.tuple(field, edgeValue).map(
      ([p, v]) =>
        (x: unknown) =>
          setAt(x, p, v),
    ),
    field.map((p) => (x: unknown) => deleteAt(x, p)),
  );
  return fc
    .array(step, { minLength: 0, maxLength: 3 })
    .map((steps) => valued(steps.reduce<unknown>((x, f) => f(x), example)));
}
