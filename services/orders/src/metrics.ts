/**
 * The OMS's own Prometheus series, read from the ledger at scrape time (so they are right after a restart and
 * cost nothing between scrapes): orders by state, and the outbox's lag — how many committed events still wait
 * to reach the ORDERS stream, and the age of the oldest. Ledger write latency comes from the database plugin
 * (`trading_db_query_seconds{table="<schema>.order_events",op="insert"}`), bus traffic from the bus observer.
 */
import { type Registry, sampledGauge } from '@trading-system/metrics';
import { sql } from '@trading-system/storage';
import type { Db } from './ledger.js';

export function registerOmsMetrics(registry: Registry, db: Db, clock: () => number = Date.now): void {
  sampledGauge(
    registry,
    { name: 'trading_oms_orders', help: 'Orders in the ledger by state', labelNames: ['state'] },
    async (g) => {
      const rows = await db
        .selectFrom('orders')
        .select(['state', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('state')
        .execute();
      for (const r of rows) g.set({ state: r.state }, Number(r.n));
    },
  );
  // Both outbox gauges from one statement per scrape (the partial index of unpublished rows answers it).
  let outbox: { at: number; read: Promise<{ pending: number; oldestMs: number | undefined }> } | undefined;
  const readOutbox = () => {
    const now = clock();
    if (outbox === undefined || now - outbox.at > 1_000) {
      const read = db
        .selectFrom('order_events')
        .select([(eb) => eb.fn.countAll<string>().as('n'), sql<string | null>`min(created_at_ms)`.as('oldest')])
        .where('published_at', 'is', null)
        .executeTakeFirst()
        .then((r) => ({
          pending: Number(r?.n ?? 0),
          oldestMs: r?.oldest === null || r?.oldest === undefined ? undefined : Number(r.oldest),
        }));
      outbox = { at: now, read };
    }
    return outbox.read;
  };
  sampledGauge(
    registry,
    { name: 'trading_oms_outbox_pending', help: 'Order events committed to the ledger and not yet on the stream' },
    async (g) => g.set((await readOutbox()).pending),
  );
  sampledGauge(
    registry,
    {
      name: 'trading_oms_outbox_lag_seconds',
      help: 'Age of the oldest order event not yet on the stream, seconds (0 when none waits)',
    },
    async (g) => {
      const { oldestMs } = await readOutbox();
      g.set(oldestMs === undefined ? 0 : Math.max(0, (clock() - oldestMs) / 1_000));
    },
  );
}
