import { fetchBars, fetchExport } from '@trading-system/clients';
import { type HistTradesReply, Subjects } from '@trading-system/contracts';
import { uniqueName, until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CON_ID, DAY, type Fixture, MIN, NOW, openFixture, syntheticBars } from './helpers.js';
import { orderStory } from './order-events.js';

/** The embedded mode: in-process bus + PGlite, same app, same client. */
let f: Fixture;
beforeAll(async () => {
  f = await openFixture('memory');
});
afterAll(async () => {
  await f?.close();
});

describe('embedded: in-process bus + PGlite', () => {
  test('cold, warm (zero fetches), 1-hour bars, CSV of bars', async () => {
    const stream = uniqueName('HIST_ORDERS_');
    await f.bus.jetstream.ensureStream({
      name: stream,
      subjects: [`orders.evt.${f.broker}.>`],
      storage: 'memory',
      duplicateWindowMs: 60_000,
    });
    await f.startApp({ ordersStream: stream });
    const query = {
      broker: f.broker,
      instrument: { id: CON_ID },
      barSize: '1 min',
      whatToShow: 'TRADES' as const,
      useRth: true,
      cachedOnly: false,
      startMs: NOW - 2 * DAY,
      endMs: NOW,
    };
    const cold = await fetchBars(f.bus, query);
    const fetches = f.responder.fetches.length;
    expect(fetches).toBe(3); // chunks end on UTC midnights
    expect(cold.bars).toEqual(syntheticBars(NOW - 2 * DAY, NOW, MIN));
    const warm = await fetchBars(f.bus, query);
    expect(f.responder.fetches.length).toBe(fetches);
    expect(warm.bars).toEqual(cold.bars);

    const hourly = await fetchBars(f.bus, { ...query, barSize: '1 hour' });
    expect(hourly.bars).toEqual(syntheticBars(NOW - 2 * DAY, NOW, 60 * MIN));
    expect(f.responder.fetches.at(-1)?.timeframe).toBe('1h');

    const csv = await fetchExport(f.bus, { what: 'bars', query: { ...query, barSize: '1 hour' } });
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('symbol,instrumentId,timeframe,tsStartMs,start,open,high,low,close,volume,wap,count,gap');
    expect(lines).toHaveLength(hourly.bars.length + 1);
    const b = hourly.bars[0];
    expect(lines[1]).toBe(
      `AAPL,${CON_ID},1h,${b?.tsStartMs},${new Date(b?.tsStartMs ?? 0).toISOString()},${b?.open},${b?.high},${b?.low},${b?.close},${b?.volume},,${b?.count},false`,
    );
  });

  test('the trade history equals the published fills after a replay from scratch', async () => {
    const app = await f
      .startApp({ ordersStream: uniqueName('unused_'), ordersDurable: uniqueName('d') })
      .catch((err: unknown) => err);
    // A consumer on a stream that does not exist fails at start: the service never runs half-wired.
    expect(app).toBeInstanceOf(Error);
    const stream = uniqueName('HIST_ORDERS2_');
    const broker = f.broker;
    await f.bus.jetstream.ensureStream({
      name: stream,
      subjects: [`orders.evt.${broker}-x.>`],
      storage: 'memory',
      duplicateWindowMs: 60_000,
    });
    const events = orderStory(`${broker}-x`, 'DU1', 'e');
    let last = 0;
    for (const e of events) {
      const ack = await f.bus.jetstream.publish(
        Subjects.orderEvent.build({ broker: e.broker, account: e.account, kind: e.kind }),
        e,
        { msgId: e.eventId },
      );
      last = ack.seq;
    }
    const h = await f.startApp({
      ordersStream: stream,
      ordersFilterSubject: `orders.evt.${broker}-x.>`,
      ordersDurable: uniqueName('d'),
      brokers: [`${broker}-x`],
      schema: `${f.schema}_x`,
    });
    await h.readModel.rebuild();
    await until(() => h.readModel.stats.lastStreamSeq >= last, 5_000, 'the replay');
    const fills = events.flatMap((e) => (e.kind === 'filled' || e.kind === 'partiallyFilled' ? [e] : []));
    const r = await f.bus.request<HistTradesReply>(
      Subjects.histTrades.build(),
      { v: 1, query: { broker: `${broker}-x` } },
      { timeoutMs: 5_000 },
    );
    expect(r.ok && r.trades.map((t) => [t.execId, t.side, t.quantity, t.price, t.tsEventMs])).toEqual(
      fills.reverse().map((e) => [e.execId, e.side, e.quantity, e.price, e.tsEventMs]),
    );
    const csv = await fetchExport(f.bus, { what: 'trades', query: { broker: `${broker}-x`, limit: 200 } });
    expect(csv.rows).toBe(fills.length);
  });
});
