import { type Kysely, sql } from '@trading-system/storage';

/**
 * The reason an order (or a change to it) was refused is kept on the order (`last_rejection`, OrderView
 * .lastRejection): before, it lived only in the event stream, and `orders.get` showed a rejected order without the
 * broker's code and text. Existing orders get it from their latest denied / rejected event.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column last_rejection jsonb`.execute(db);
  await sql`
    update orders o set last_rejection = (
      select jsonb_strip_nulls(jsonb_build_object(
        'kind', e.kind,
        'code', e.payload->>'reasonCode',
        'brokerCode', case when (e.payload->>'brokerCode')::int <> 0 then (e.payload->>'brokerCode')::int end,
        'message', coalesce(e.payload->>'message', ''),
        'atMs', e.created_at_ms
      ))
      from order_events e
      where e.client_order_id = o.client_order_id and e.kind in ('denied', 'rejected')
      order by e.seq desc
      limit 1
    )
    where exists (
      select 1 from order_events e where e.client_order_id = o.client_order_id and e.kind in ('denied', 'rejected')
    )`.execute(db);
}
