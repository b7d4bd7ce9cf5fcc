/**
 * Scenario, ledger reads: the statement a submit's risk checks read (the repeat check, the account's position,
 * its open orders: services/orders positions.ts `submitReads`) on a fresh ledger and on one holding a year of an
 * active account's fills, through the OMS's own Kysely and pool. The position comes from `ledger_positions` (kept by
 * triggers on fills, migration 0012); the baseline is the read it replaced, the sum over the account's fills, on
 * the same ledger in the same run. `tsx bench/ledger-reads.ts`
 */
import { migrations } from '@trading-system/orders';
import { createDatabase, type Kysely, migrateToLatest, sql } from '@trading-system/storage';
import { createTestSchemaName } from '@trading-system/testkit';
import type { BrokerClient } from '../services/orders/src/broker-client.js';
import type { Db } from '../services/orders/src/ledger.js';
import { submitReads } from '../services/orders/src/positions.js';
import { progress } from './lib/infra.js';
import { isMain, type Outcome, runStandalone, type Scenario, type ScenarioContext } from './lib/scenario.js';
import { fmtInt, fmtMs, percentiles, round } from './lib/stats.js';

/** ~1,200 fills a trading day for a year: an active small fund's account. */
const FILLS = 300_000;
const RUNS = 40;
const INSTRUMENTS = 20;

/** Every instrument id is the current one: the gateway is never asked to map an older id (no gateway here). */
const noGateway = {
  call: async () => ({ kind: 'refused', code: 'NO_RESPONDERS', message: 'no gateway in this bench' }),
} as unknown as BrokerClient;

async function timeRuns(fn: () => Promise<unknown>): Promise<ReturnType<typeof percentiles>> {
  for (let i = 0; i < 5; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return percentiles(samples);
}

export const ledgerReads: Scenario = {
  name: 'ledger-reads',
  title: "Ledger reads: a submit's risk reads on a fresh ledger and after a year of fills",
  async run(ctx: ScenarioContext): Promise<Outcome> {
    const database = await createDatabase<unknown>({ kind: 'pg', url: ctx.infra.databaseUrl, poolMax: 2 });
    const schema = createTestSchemaName('bench_ledger');
    try {
      await migrateToLatest(database.db, { schema, migrations });
      const db = database.db.withSchema(schema) as unknown as Db;
      const table = (name: string) => sql.table(`${schema}.${name}`);
      await sql`insert into ${table('orders')} (client_order_id, broker, account, side, quantity, order_type, tif,
          outside_rth, state, request_hash, created_at_ms, updated_at_ms)
        values ('o-bench', 'ib', 'DU1', 'BUY', 1, 'MKT', 'DAY', false, 'filled', 'h', 0, 0)`.execute(database.db);
      const q = { clientOrderId: 'o-new', broker: 'ib', account: 'DU1', instrumentId: '3', strategy: 'bench' };
      const reads = () => submitReads(db, noGateway, q);
      const sumOverFills = () =>
        sql`select instrument_id, sum(case when side = 'BUY' then quantity else -quantity end) as qty
              from ${table('fills')} where broker = 'ib' and account = 'DU1' group by instrument_id`.execute(
          database.db as Kysely<unknown>,
        );
      progress('ledger-reads: a fresh ledger');
      const fresh = await timeRuns(reads);
      progress(`ledger-reads: writing ${fmtInt(FILLS)} fills to the account`);
      const t0 = performance.now();
      await sql`insert into ${table('fills')} (exec_id, client_order_id, broker, account, instrument_id, side,
          quantity, price, exec_time_ms, created_at_ms)
        select 'e' || g, 'o-bench', 'ib', 'DU1', (g % ${INSTRUMENTS})::text,
               case when g % 2 = 0 then 'BUY' else 'SELL' end, (1 + g % 7)::numeric, 100.25, g, g
          from generate_series(1, ${FILLS}) g`.execute(database.db);
      const writeMs = performance.now() - t0;
      await sql`analyze ${table('fills')}`.execute(database.db);
      await sql`analyze ${table('ledger_positions')}`.execute(database.db);
      const loaded = await timeRuns(reads);
      const old = await timeRuns(sumOverFills);
      const position = (await reads()).position;
      progress(
        `ledger-reads: p50 ${fmtMs(fresh.p50)} fresh, ${fmtMs(loaded.p50)} with ${fmtInt(FILLS)} fills (sum over fills ${fmtMs(old.p50)})`,
      );
      return {
        metrics: { fills: FILLS, fresh, loaded, sumOverFills: old, writeMs: round(writeMs), position },
        checks: [
          {
            target: `submit's risk reads flat in the ledger: p50 with ${fmtInt(FILLS)} fills in the account ≤ 2× a fresh ledger's`,
            measured: `p50 ${fmtMs(loaded.p50)} (p99 ${fmtMs(loaded.p99)})`,
            baseline: `fresh ledger p50 ${fmtMs(fresh.p50)}; the sum over the fills it replaced p50 ${fmtMs(old.p50)}`,
            pass: loaded.p50 <= 2 * fresh.p50,
          },
        ],
        notes: [
          `${fmtInt(FILLS)} fills over ${INSTRUMENTS} instruments written in one statement in ${fmtMs(writeMs)} (the position triggers included)`,
          `median of ${RUNS} reads after 5 unmeasured ones, one connection at a time from the bench process`,
        ],
      };
    } finally {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    }
  },
};

if (isMain(import.meta.url)) await runStandalone(ledgerReads);
