/**
 * Issue 15.8, the fuzz part: property-based requests (fast-check) on every request subject of the catalog,
 * sent as raw bytes by a plain NATS client to the running system (OMS with gateway-ib on ib-sim, market-data,
 * history; NATS + Postgres), then counted:
 * - invalid input (what the published contract refuses: not JSON, over the size limit, failing the subject's
 *   schema — the schema is the oracle): typed rejections 100 %, no order at ib-sim, no ledger row;
 * - valid but hostile input (edge values that pass the schema) on the subjects that only read or act on the
 *   client's own orders: a reply of the subject's reply schema, never INTERNAL_ERROR;
 * - every request answered (no timeout, no no-responders), no service error logged, every service alive after.
 * The seed is printed; FUZZ_SEED=<seed> replays a run, FUZZ_RUNS sets the number of invalid requests.
 */
import { type CatalogEntry, ErrorReply, MAX_REQUEST_BYTES } from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type BoundarySystem, startBoundarySystem } from './boundary-system.js';
import { hostileRequest, type Mutation, toBytes, validRequest } from './fuzz-arbitraries.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const INVALID_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const VALID_RUNS = Math.ceil(INVALID_RUNS / 5);
const CONCURRENCY = 16;
/** Above every service's own deadline (10 s), so a late typed TIMEOUT still counts as an answer. */
const REPLY_TIMEOUT_MS = 15_000;

/** Subjects whose valid requests only read, or act on the fuzzer's own orders (never the system's settings). */
const VALID_PHASE = new Set([
  'md.subscribe',
  'md.unsubscribe',
  'md.snapshot',
  'orders.submit',
  'orders.modify',
  'orders.cancel',
  'orders.get',
  'orders.list',
  'orders.positions',
  'orders.tradingState',
  'orders.riskLimits',
  'broker.*.cmd.qualifyContract',
  'broker.*.cmd.positions',
  'broker.*.cmd.accountSummary',
  'broker.*.cmd.status',
  'gateway.*.cmd.listBrokers',
  'account.*.positions',
  'account.*.summary',
  'hist.orders',
  'hist.trades',
]);

let b: BoundarySystem;

beforeAll(async () => {
  console.log(`boundary fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${INVALID_RUNS}`);
  // History unscoped, as deployed by default: it answers hist.* for every broker.
  b = await startBoundarySystem({ scopeHistory: false });
}, 90_000);
afterAll(() => b?.close(), 60_000);

interface Target {
  readonly entry: CatalogEntry;
  readonly subject: string;
  /** The catalog example with this system's broker. */
  readonly example: Record<string, unknown>;
}

type Verdict = { readonly kind: 'invalid'; readonly codes: readonly string[] } | { readonly kind: 'valid' };

/** What the contract says about a body: the oracle, independent of the services. */
function judge(entry: CatalogEntry, bytes: Uint8Array): Verdict {
  const limit = entry.maxRequestBytes ?? MAX_REQUEST_BYTES;
  if (bytes.byteLength > limit) return { kind: 'invalid', codes: ['PAYLOAD_TOO_LARGE'] };
  let json: unknown;
  try {
    json = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return { kind: 'invalid', codes: ['INVALID_MESSAGE'] };
  }
  if (entry.request?.safeParse(json).success) return { kind: 'valid' };
  return { kind: 'invalid', codes: ['INVALID_MESSAGE', 'VALIDATION_FAILED'] };
}

interface Tally {
  sent: number;
  invalid: number;
  typedRejections: number;
  valid: number;
  validTyped: number;
  unanswered: number;
  internalErrors: number;
  failures: string[];
}

const newTally = (): Tally => ({
  sent: 0,
  invalid: 0,
  typedRejections: 0,
  valid: 0,
  validTyped: 0,
  unanswered: 0,
  internalErrors: 0,
  failures: [],
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

async function send(t: Target, bytes: Uint8Array, tally: Tally, expect: 'invalid' | 'valid'): Promise<void> {
  const verdict = judge(t.entry, bytes);
  if (verdict.kind !== expect) return;
  tally.sent += 1;
  const note = (what: string) => {
    if (tally.failures.length < 20) tally.failures.push(`${t.subject} ${what}: ${decoder.decode(bytes).slice(0, 300)}`);
  };
  let reply: unknown;
  try {
    const m = await b.nc.request(t.subject, bytes, { timeout: REPLY_TIMEOUT_MS });
    reply = JSON.parse(decoder.decode(m.data));
  } catch (err) {
    tally.unanswered += 1;
    note(`no reply (${String(err)})`);
    return;
  }
  if (verdict.kind === 'invalid') {
    tally.invalid += 1;
    const r = ErrorReply.safeParse(reply);
    if (r.success && verdict.codes.includes(r.data.code) && r.data.hint !== undefined) tally.typedRejections += 1;
    else note(`untyped rejection ${JSON.stringify(reply).slice(0, 300)}`);
    return;
  }
  tally.valid += 1;
  const r = t.entry.reply?.safeParse(reply);
  if (r?.success) tally.validTyped += 1;
  else note(`reply fails its schema ${JSON.stringify(reply).slice(0, 300)}`);
  if ((reply as { code?: unknown }).code === 'INTERNAL_ERROR') {
    tally.internalErrors += 1;
    note(`INTERNAL_ERROR ${JSON.stringify(reply).slice(0, 300)}`);
  }
}

/** Runs `items` through `fn`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

async function simOrders(): Promise<number> {
  const sim = b.system.sim;
  if (sim === undefined) throw new Error('the boundary system runs ib-sim');
  const { open, completed } = sim.control.orders();
  return open.length + completed.length;
}

async function ledgerRows(): Promise<number> {
  const table = sql.table(`${b.ordersSchema}.orders`);
  const r = await sql<{ n: string }>`select count(*) as n from ${table}`.execute(b.database.db);
  return Number(r.rows[0]?.n ?? 0);
}

function targets(): Target[] {
  const broker = b.system.broker;
  const withBroker = (v: unknown): unknown => {
    if (v === 'sim') return broker;
    if (Array.isArray(v)) return v.map(withBroker);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withBroker(x)]));
    return v;
  };
  return b.requestSubjects.map(({ entry, subject }) => ({
    entry,
    subject,
    example: withBroker(entry.example) as Record<string, unknown>,
  }));
}

test('≥ 10,000 fuzzed requests on every request subject: typed rejections 100 %, no side effects, no crash', async () => {
  const all = targets();
  const started = performance.now();
  const before = { sim: await simOrders(), ledger: await ledgerRows(), bus: b.system.bus.stats() };
  const logsBefore = b.logs.length;

  // Invalid input: every subject, mutations until INVALID_RUNS requests the contract refuses.
  const invalid = newTally();
  const perSubject = new Map<string, number>();
  const mutations = fc.sample(
    fc.constantFrom(...all).chain((t) => hostileRequest(t.example).map((m: Mutation) => ({ t, bytes: toBytes(m) }))),
    { seed: SEED, numRuns: INVALID_RUNS * 2 },
  );
  const refused = mutations.filter(({ t, bytes }) => judge(t.entry, bytes).kind === 'invalid').slice(0, INVALID_RUNS);
  for (const { t } of refused) perSubject.set(t.subject, (perSubject.get(t.subject) ?? 0) + 1);
  await pool(refused, CONCURRENCY, ({ t, bytes }) => send(t, bytes, invalid, 'invalid'));
  const after = { sim: await simOrders(), ledger: await ledgerRows() };
  const invalidLogs = b.logs.slice(logsBefore).filter((l) => l.level >= 40);
  const logsAfterInvalid = b.logs.length;

  // Valid but hostile input on the subjects that only read or act on the fuzzer's own orders.
  const valid = newTally();
  const safe = all.filter((t) => VALID_PHASE.has(t.entry.pattern));
  const validSamples = fc
    .sample(
      fc.constantFrom(...safe).chain((t) => validRequest(t.example).map((m: Mutation) => ({ t, bytes: toBytes(m) }))),
      { seed: SEED + 1, numRuns: VALID_RUNS * 3 },
    )
    .filter(({ t, bytes }) => judge(t.entry, bytes).kind === 'valid' && !changesSettings(t, bytes))
    .slice(0, VALID_RUNS);
  await pool(validSamples, CONCURRENCY, ({ t, bytes }) => send(t, bytes, valid, 'valid'));
  const seconds = (performance.now() - started) / 1000;

  // Every service still answers.
  const alive: string[] = [];
  for (const t of all.filter((x) => VALID_PHASE.has(x.entry.pattern) && x.entry.pattern !== 'orders.submit')) {
    const m = await b.nc.request(t.subject, encoder.encode(JSON.stringify(t.example)), { timeout: REPLY_TIMEOUT_MS });
    if (t.entry.reply?.safeParse(JSON.parse(decoder.decode(m.data))).success) alive.push(t.subject);
  }
  const serviceErrors = b.logs.slice(logsBefore).filter((l) => l.level >= 50);
  const validWarnings = b.logs.slice(logsAfterInvalid).filter((l) => l.level === 40);
  const warned = new Map<string, number>();
  for (const l of validWarnings) {
    const key = `${l.msg ?? ''}: ${l.err?.message?.slice(0, 80) ?? ''}`;
    warned.set(key, (warned.get(key) ?? 0) + 1);
  }
  for (const [k, n] of [...warned.entries()].sort((x, y) => y[1] - x[1]).slice(0, 8)) console.log(`  warn ×${n} ${k}`);

  const counts = {
    seed: SEED,
    seconds: Math.round(seconds),
    subjects: perSubject.size,
    invalid: {
      sent: invalid.sent,
      typedRejections: invalid.typedRejections,
      unanswered: invalid.unanswered,
      ordersAtSim: after.sim - before.sim,
      ledgerRows: after.ledger - before.ledger,
      serviceWarningsOrErrors: invalidLogs.length,
    },
    valid: {
      sent: valid.sent,
      typedReplies: valid.validTyped,
      unanswered: valid.unanswered,
      internalErrors: valid.internalErrors,
      serviceWarnings: validWarnings.length,
    },
    crashes:
      all.filter((x) => VALID_PHASE.has(x.entry.pattern) && x.entry.pattern !== 'orders.submit').length - alive.length,
    serviceErrors: serviceErrors.length,
    handlerErrors: b.system.bus.stats().handlerErrors - before.bus.handlerErrors,
  };
  console.log(`boundary fuzz counts: ${JSON.stringify(counts)}`);
  for (const f of [...invalid.failures, ...valid.failures].slice(0, 20)) console.log(`  ${f}`);
  for (const l of serviceErrors.slice(0, 5)) console.log(`  logged: ${JSON.stringify(l).slice(0, 400)}`);

  expect(counts.subjects, 'every request subject of the catalog').toBe(all.length);
  expect(invalid.sent).toBeGreaterThanOrEqual(INVALID_RUNS);
  expect(counts.invalid).toEqual({
    sent: invalid.sent,
    typedRejections: invalid.sent,
    unanswered: 0,
    ordersAtSim: 0,
    ledgerRows: 0,
    serviceWarningsOrErrors: 0,
  });
  expect(valid.sent).toBeGreaterThan(0);
  expect(counts.valid).toMatchObject({ sent: valid.sent, typedReplies: valid.sent, unanswered: 0, internalErrors: 0 });
  expect(counts.crashes).toBe(0);
  expect(counts.serviceErrors).toBe(0);
  expect(counts.handlerErrors).toBe(0);
}, 240_000);

/** Valid requests that would change the system for everyone (trading state, limits) stay out of the fuzz. */
function changesSettings(t: Target, bytes: Uint8Array): boolean {
  if (t.entry.pattern !== 'orders.tradingState' && t.entry.pattern !== 'orders.riskLimits') return false;
  return (JSON.parse(decoder.decode(bytes)) as { set?: unknown }).set !== undefined;
}
