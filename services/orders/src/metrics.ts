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
  sampledGauge(
    registry,
    { name: 'trading_oms_outbox_pending', help: 'Order events committed to the ledger and not yet on the stream' },
    async (g) => {
      const r = await db
        .selectFrom('order_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('published_at', 'is', null)
        .executeTakeFirst();
      g.set(Number(r?.n ?? 0));
    },
  );
  sampledGauge(
    registry,
    {
      name: 'trading_oms_outbox_lag_seconds',
      help: 'Age of the oldest order event not yet on the stream, seconds (0 when none waits)',
    },
    async (g) => {
      const r = await db
        .selectFrom('order_events')
        .select(sql<string | null>`min(created_at_ms)`.as('oldest'))
        .where('published_at', 'is', null)
        .executeTakeFirst();
      const oldest = r?.oldest === null || r?.oldest === undefined ? undefined : Number(r.oldest);
      g.set(oldest === undefined ? 0 : Math.max(0, (clock() - oldest) / 1_000));
    },
  );
}
