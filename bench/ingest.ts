/**
 * Scenario 4, ingest: bars and fills written to Postgres through our storage path (`insertMany`: one
 * `INSERT … SELECT … FROM unnest($1::text[], …)` per 5 000 rows, in one transaction), against a raw COPY of the
 * same rows into an identical table in the same run. `tsx bench/ingest.ts`
 *
 * Baseline choice: `psql -c "\copy … from 'file.csv' with (format csv)"` spawned as a process (psql is a stock
 * client; pg-copy-streams is not a dependency). Its time covers the psql process and the COPY, not rendering the
 * CSV file, so the baseline is the stricter one. Tables: history's own `bars` (its migrations, generated json
 * column included) and a copy of the orders ledger's `fills` DDL without the foreign key to `orders`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations as historyMigrations } from '@trading-system/history';
import { createDatabase, insertMany, type Kysely, migrateToLatest, sql } from '@trading-system/storage';
import { createTestSchemaName } from '@trading-system/testkit';
import { progress } from './lib/infra.js';
import { isMain, type Outcome, runStandalone, type Scenario, type ScenarioContext } from './lib/scenario.js';
import { fmtInt, round } from './lib/stats.js';

const BARS = 100_000;
const FILLS = 25_000;
const ROUNDS = 2;
const T0 = Date.parse('2024-01-02T14:30:00Z');

type Row = Record<string, string | number | boolean | null>;

function barRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const p = 180 + Math.sin(i / 500) * 10;
    return {
      broker: 'bench',
      instrument_id: '265598',
      bar_size: '1 min',
      what_to_show: 'TRADES',
      use_rth: true,
      ts_start_ms: T0 + i * 60_000,
      ts_end_ms: T0 + (i + 1) * 60_000,
      open: p.toFixed(2),
      high: (p + 0.25).toFixed(2),
      low: (p - 0.25).toFixed(2),
      close: (p + 0.05).toFixed(2),
      volume: String(1_000 + (i % 977)),
      wap: (p + 0.01).toFixed(4),
      count: 10 + (i % 50),
      gap: false,
    };
  });
}

function fillRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    exec_id: `0000e${i.toString(16).padStart(7, '0')}.65f06d30.01.01`,
    client_order_id: `o-bench-${i >> 2}`,
    broker: 'bench',
    account: 'DU1234567',
    instrument_id: '265598',
    side: i % 2 === 0 ? 'BUY' : 'SELL',
    quantity: String(1 + (i % 100)),
    price: (180 + (i % 300) / 100).toFixed(2),
    commission: '1.00',
    commission_currency: 'USD',
    realized_pnl: null,
    exec_time_ms: T0 + i * 1_000,
    created_at_ms: T0 + i * 1_000 + 5,
  }));
}

/** The orders ledger's fills table (services/orders migrations 0001 and 0009: instrument ids) minus its foreign key. */
async function createFills(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`create table ${sql.id(schema, 'fills')} (
      exec_id text primary key,
      client_order_id text not null,
      broker text not null,
      account text not null,
      instrument_id text not null,
      side text not null,
      quantity numeric not null,
      price numeric not null,
      commission numeric,
      commission_currency text,
      realized_pnl numeric,
      exec_time_ms bigint not null,
      created_at_ms bigint not null
    )`.execute(db);
  await sql`create index on ${sql.id(schema, 'fills')} (broker, account, instrument_id)`.execute(db);
}

const csvCell = (v: string | number | boolean | null): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

function copyWithPsql(url: string, table: string, rows: readonly Row[], dir: string): number {
  const columns = Object.keys(rows[0] ?? {});
  const file = join(dir, `${table.replace(/\W/g, '_')}.csv`);
  writeFileSync(file, `${rows.map((r) => columns.map((c) => csvCell(r[c] ?? null)).join(',')).join('\n')}\n`);
  const t0 = performance.now();
  const r = spawnSync(
    'psql',
    [
      url,
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-c',
      `\\copy ${table} (${columns.join(', ')}) from '${file}' with (format csv)`,
    ],
    { encoding: 'utf8' },
  );
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`psql \\copy into ${table} failed: ${r.stderr || r.error?.message}`);
  return ms;
}

async function count(db: Kysely<unknown>, schema: string, table: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.id(schema, table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export const ingest: Scenario = {
  name: 'ingest',
  title: 'Ingest: bars and fills through insertMany vs raw COPY',
  async run(ctx: ScenarioContext): Promise<Outcome> {
    const database = await createDatabase<unknown>({ kind: 'pg', url: ctx.infra.databaseUrl, poolMax: 2 });
    const ours = createTestSchemaName('bench_ingest_ours');
    const copy = createTestSchemaName('bench_ingest_copy');
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
    try {
      for (const schema of [ours, copy]) {
        await migrateToLatest(database.db, { schema, migrations: historyMigrations });
        await createFills(database.db, schema);
      }
      const sets = [
        { table: 'bars', rows: barRows(BARS) },
        { table: 'fills', rows: fillRows(FILLS) },
      ];
      const metrics: Record<string, unknown> = {};
      const checks = [];
      for (const { table, rows } of sets) {
        // Best of ROUNDS, alternating the two, into emptied tables: a load spike from a neighbour hits one round.
        let oursMs = Number.POSITIVE_INFINITY;
        let copyMs = Number.POSITIVE_INFINITY;
        for (let round = 1; round <= ROUNDS; round++) {
          for (const schema of [ours, copy]) await sql`truncate ${sql.id(schema, table)}`.execute(database.db);
          progress(`ingest: ${fmtInt(rows.length)} ${table} via insertMany and psql \\copy (round ${round}/${ROUNDS})`);
          const t0 = performance.now();
          await insertMany(database.db as Kysely<Record<string, Row>>, table, rows, { schema: ours });
          oursMs = Math.min(oursMs, performance.now() - t0);
          copyMs = Math.min(copyMs, copyWithPsql(ctx.infra.databaseUrl, `${copy}.${table}`, rows, dir));
        }
        const [nOurs, nCopy] = [await count(database.db, ours, table), await count(database.db, copy, table)];
        if (nOurs !== rows.length || nCopy !== rows.length)
          throw new Error(`${table}: expected ${rows.length} rows, insertMany wrote ${nOurs}, COPY ${nCopy}`);
        const oursRate = rows.length / (oursMs / 1000);
        const copyRate = rows.length / (copyMs / 1000);
        metrics[table] = {
          rows: rows.length,
          insertMany: { ms: round(oursMs), rowsPerSec: Math.round(oursRate) },
          copy: { ms: round(copyMs), rowsPerSec: Math.round(copyRate) },
          ratio: round(oursRate / copyRate, 3),
        };
        checks.push({
          target: `${table}: ≥ 50% of COPY throughput`,
          measured: `${fmtInt(oursRate)} rows/s (${round((100 * oursRate) / copyRate, 1)}%)`,
          baseline: `${fmtInt(copyRate)} rows/s`,
          pass: oursRate >= 0.5 * copyRate,
        });
      }
      return {
        metrics,
        checks,
        notes: [
          'baseline: psql \\copy (process start + COPY); insertMany: render + unnest insert + commit',
          `best of ${ROUNDS} rounds each, alternating, into emptied tables`,
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const schema of [ours, copy])
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    }
  },
};

if (isMain(import.meta.url)) await runStandalone(ingest);
