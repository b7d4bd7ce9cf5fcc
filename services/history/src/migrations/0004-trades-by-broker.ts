import { type Kysely, sql } from '@trading-system/storage';

/**
 * Exec ids are unique per broker only: a second broker's fill with an exec id another broker had already used was
 * dropped from `trades` (keyed by exec_id alone), and its commission was written onto the other broker's trade.
 * Trades are now keyed by (broker, exec_id). The fill and commission events themselves were kept in
 * `order_events`, so the trades they lost are derived again from them and every trade takes the commission of its
 * own broker's commission event.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table trades drop constraint trades_pkey, add primary key (broker, exec_id)`.execute(db);
  await sql`drop index trades_time`.execute(db);
  await sql`create index trades_time on trades (ts_event_ms desc, exec_id desc, broker desc)`.execute(db);
  await sql`
    insert into trades (exec_id, client_order_id, broker, account, con_id, symbol, strategy, side, quantity, price,
                        commission, commission_currency, realized_pnl, ts_event_ms)
    select e.event->>'execId', e.client_order_id, e.broker, e.account, o.con_id, o.symbol, o.strategy,
           e.event->>'side', (e.event->>'quantity')::numeric, (e.event->>'price')::numeric,
           (e.event->>'commission')::numeric, e.event->>'commissionCurrency', null, e.ts_event_ms
      from order_events e join orders o on o.client_order_id = e.client_order_id
     where e.kind in ('filled', 'partiallyFilled')
    on conflict (broker, exec_id) do nothing`.execute(db);
  await sql`
    update trades t
       set commission = (c.event->>'commission')::numeric,
           commission_currency = c.event->>'currency',
           realized_pnl = (c.event->>'realizedPnl')::numeric
      from order_events c
     where c.kind = 'commission' and c.broker = t.broker and c.event->>'execId' = t.exec_id`.execute(db);
}
