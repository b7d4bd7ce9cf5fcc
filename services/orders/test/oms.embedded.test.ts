/** The same app on the in-process bus and PGlite (embedded mode): submit → fill → query, and a restart. */
import { randomUUID } from 'node:crypto';
import { type OrderEvent, Subjects } from '@trading-system/contracts';
import { expect, test } from 'vitest';
import { AAPL, ACCOUNT, lmtBuy, startHarness, waitUntil } from './harness.js';

test('embedded mode: submit, fill from a broker event, get with history, positions, replay after restart', async () => {
  const h = await startHarness('memory-pglite');
  try {
    const clientOrderId = `c-${randomUUID()}`;
    const r = await h.request<{ ok: boolean; order: { brokerOrderId: string; state: string } }>(
      Subjects.ordersSubmit.build(),
      lmtBuy(h.broker, { clientOrderId }),
    );
    expect(r).toMatchObject({ ok: true, order: { state: 'pendingSubmit' } });
    const now = Date.now();
    const fill = {
      eventId: `exec-${h.broker}-1`,
      tsEventMs: now,
      execution: {
        orderId: r.order.brokerOrderId,
        permId: '1',
        clientOrderId,
        execId: `${h.broker}-1`,
        account: ACCOUNT,
        instrumentId: AAPL.id,
        side: 'BUY' as const,
        quantity: '100',
        price: '150.25',
        cumQty: '100',
        avgPrice: '150.25',
        exchange: 'NASDAQ',
        execTimeMs: now,
      },
    };
    await h.brokerEvent('execution', fill);
    const get = () =>
      h.request<{ ok: boolean; order: { state: string; filledQty: string }; events: OrderEvent[] }>(
        Subjects.ordersGet.build(),
        { v: 1, clientOrderId },
      );
    const filled = await waitUntil(async () => {
      const g = await get();
      return g.order.state === 'filled' ? g : undefined;
    });
    expect(filled.events.map((e) => e.kind)).toEqual(['accepted', 'statusChanged', 'filled']);
    expect(filled.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    await h.app.relay.flush();
    await waitUntil(() => (h.events.length >= 3 ? true : undefined));

    await h.restart();
    await h.brokerEvent('execution', fill, `${fill.eventId}-replay`);
    await h.brokerEvent('execution', { ...fill, eventId: `exec-${h.broker}-2` }, `exec-${h.broker}-2`);
    await waitUntil(async () => {
      const n = await h.database.db
        .withSchema(h.schema)
        .selectFrom('inbox')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(n.n) >= 2 ? true : undefined;
    });
    expect((await get()).events).toHaveLength(3);
    const pos = await h.request<{ positions: Array<{ quantity: string }> }>(Subjects.ordersPositions.build(), {
      v: 1,
    });
    expect(pos.positions.map((p) => p.quantity)).toEqual(['100']);
  } finally {
    await h.close();
  }
}, 90_000); // PGlite on a busy 2-core machine takes ~35 s for this
