/** Request helpers and sentinels shared by the NATS suites. */
import { randomUUID } from 'node:crypto';
import { type OrderEvent, Subjects } from '@trading-system/contracts';
import { AAPL, ACCOUNT, lmtBuy, type OmsHarness, waitUntil } from './harness.js';

export type Reply = {
  ok: boolean;
  code?: string;
  order?: Record<string, unknown>;
  details?: Record<string, unknown>;
} & Record<string, unknown>;

export const coid = () => `c-${randomUUID()}`;
export const submit = (x: OmsHarness, extra: Record<string, unknown> = {}) =>
  x.request<Reply>(Subjects.ordersSubmit.build(), lmtBuy(x.broker, { clientOrderId: coid(), ...extra }));
export const get = (x: OmsHarness, clientOrderId: string) =>
  x.request<Reply & { events?: OrderEvent[] }>(Subjects.ordersGet.build(), { v: 1, clientOrderId });
export const stateOf = async (x: OmsHarness, id: string) => (await get(x, id)).order?.state;
export const db = (x: OmsHarness) => x.database.db.withSchema(x.schema);

export function exec(x: OmsHarness, clientOrderId: string, orderId: string, execId: string, qty: string, cum: string) {
  const now = Date.now();
  return x.brokerEvent('execution', {
    eventId: `exec-${execId}`,
    tsEventMs: now,
    execution: {
      orderId,
      permId: `p${orderId}`,
      clientOrderId,
      execId,
      account: ACCOUNT,
      instrumentId: AAPL.id,
      side: 'BUY',
      quantity: qty,
      price: '150.2',
      cumQty: cum,
      avgPrice: '150.2',
      exchange: 'NASDAQ',
      execTimeMs: now,
    },
  });
}

export function status(x: OmsHarness, clientOrderId: string, orderId: string, s: string, n: number) {
  return x.brokerEvent('orderStatus', {
    eventId: `status-${x.broker}-${orderId}-${n}`,
    tsEventMs: Date.now(),
    orderId,
    permId: `p${orderId}`,
    clientOrderId,
    status: s as 'working',
    filled: '0',
    remaining: '100',
  });
}

/** A position event for a fresh instrument: once it is visible, every earlier broker event has been consumed. */
export async function sentinel(x: OmsHarness, quantity = '1'): Promise<void> {
  const instrumentId = String(1 + Math.floor(Math.random() * 1e9));
  await x.brokerEvent('position', {
    eventId: `pos-${randomUUID()}`,
    tsEventMs: Date.now(),
    position: {
      broker: x.broker,
      account: ACCOUNT,
      instrumentId,
      symbol: 'X',
      secType: 'STK',
      currency: 'USD',
      quantity,
    },
  });
  // Read from the table the broker-event consumer writes (orders.positions compares with a fresh broker snapshot).
  await waitUntil(async () =>
    (await db(x)
      .selectFrom('broker_positions')
      .select('instrument_id')
      .where('broker', '=', x.broker)
      .where('instrument_id', '=', instrumentId)
      .executeTakeFirst()) === undefined
      ? undefined
      : true,
  );
}

/** Publishes one more order's events and waits for them, so anything published before is in the stream too. */
export async function sentinelOrders(x: OmsHarness): Promise<void> {
  const r = await submit(x);
  await x.app.relay.flush();
  await waitUntil(() => x.events.find((e) => e.clientOrderId === r.order?.clientOrderId && e.kind === 'statusChanged'));
}
