import type { Bus } from '@trading-system/bus';
import { fetchExport } from '@trading-system/clients';
import {
  type HistOrdersReply,
  type HistTradesReply,
  ORDERS_STREAM,
  type OrderEvent,
  Subjects,
} from '@trading-system/contracts';
import { uniqueName, until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { History } from '../src/app.js';
import { ensureTestStream, type Fixture, openFixture } from './helpers.js';
import { orderStory, T0 } from './order-events.js';

/**
 * The read model over real NATS JetStream + Postgres. The events go to a stream of this test only
 * (`orders.evt.<unique broker>.>`); where the server already has the system's ORDERS stream (which captures
 * `orders.evt.>` and so overlaps), they go there, filtered by the unique broker.
 */
let f: Fixture;
let app: History;
let stream: string;
const account = 'DU1234567';
let events: OrderEvent[];
let lastSeq = 0;

async function publish(bus: Bus, e: OrderEvent, msgId = e.eventId): Promise<void> {
  const ack = await bus.jetstream.publish(
    Subjects.orderEvent.build({ broker: e.broker, account: e.account, kind: e.kind }),
    e,
    { msgId },
  );
  lastSeq = Math.max(lastSeq, ack.seq);
}

beforeAll(async () => {
  f = await openFixture('nats');
  stream = (await ensureTestStream(f.bus, f.broker)).name;
  events = orderStory(f.broker, account, uniqueName('t'));
  for (const e of events) await publish(f.bus, e);
  // Republished beyond the duplicate window (a new msg-id): the read model must still apply it once.
  const filled = events.find((e) => e.kind === 'filled');
  if (filled !== undefined) await publish(f.bus, filled, `${filled.eventId}-again`);
  app = await f.startApp({ ordersStream: stream });
});
afterAll(async () => {
  if (stream !== ORDERS_STREAM.name) await f.bus.jetstream.deleteStream(stream);
  await f?.close();
});

const trades = (query: object = {}) =>
  f.bus.request<HistTradesReply>(
    Subjects.histTrades.build(),
    { v: 1, query: { broker: f.broker, ...query } },
    { timeoutMs: 5_000 },
  );
const orders = (query: object = {}) =>
  f.bus.request<HistOrdersReply>(
    Subjects.histOrders.build(),
    { v: 1, query: { broker: f.broker, ...query } },
    { timeoutMs: 5_000 },
  );

function expectedTrades() {
  return [
    {
      execId: events[4]?.kind === 'filled' ? events[4].execId : '',
      clientOrderId: events[0]?.clientOrderId,
      broker: f.broker,
      account,
      instrumentId: '265598',
      symbol: 'AAPL',
      strategy: 'meanrev',
      side: 'BUY',
      quantity: '60',
      price: '187.30',
      commission: '0.65',
      commissionCurrency: 'USD',
      tsEventMs: events[4]?.tsEventMs,
    },
    {
      execId: events[2]?.kind === 'partiallyFilled' ? events[2].execId : '',
      clientOrderId: events[0]?.clientOrderId,
      broker: f.broker,
      account,
      instrumentId: '265598',
      symbol: 'AAPL',
      strategy: 'meanrev',
      side: 'BUY',
      quantity: '40',
      price: '187.25',
      commission: '0.35',
      commissionCurrency: 'USD',
      tsEventMs: events[2]?.tsEventMs,
    },
  ];
}

describe('order and trade history from the ORDERS stream', () => {
  test('trades equal the published fills (duplicate event applied once), newest first', async () => {
    await until(() => app.readModel.stats.lastStreamSeq >= lastSeq, 10_000, 'the read model to catch up');
    expect(app.readModel.stats.applied).toBe(events.length);
    const r = await trades();
    expect(r.ok && r.trades).toEqual(expectedTrades());
  });

  test('orders by symbol, status and state; events of one order; paging', async () => {
    const all = await orders();
    expect(all.ok && all.orders.map((o) => [o.instrument.symbol, o.state, o.filledQty])).toEqual([
      ['MSFT', 'cancelled', '0'],
      ['AAPL', 'filled', '100'],
    ]);
    const aapl = await orders({ symbol: 'AAPL' });
    expect(aapl.ok && aapl.orders[0]).toMatchObject({ avgFillPrice: '187.28', brokerOrderId: '7', permId: '9001' });
    const open = await orders({ status: 'open' });
    expect(open.ok && open.orders).toEqual([]);
    const cancelled = await orders({ states: ['cancelled'] });
    expect(cancelled.ok && cancelled.orders.map((o) => o.instrument.symbol)).toEqual(['MSFT']);
    const withEvents = await orders({ clientOrderId: events[0]?.clientOrderId, includeEvents: true });
    expect(withEvents.ok && withEvents.events).toEqual(events.slice(0, 5));
    const page1 = await orders({ limit: 1 });
    expect(page1.ok && page1.orders).toHaveLength(1);
    const page2 = await orders({ limit: 1, cursor: page1.ok ? page1.nextCursor : undefined });
    expect(page2.ok && page2.orders.map((o) => o.instrument.symbol)).toEqual(['AAPL']);
    expect(page2.ok && page2.nextCursor).toBeUndefined();
    const window = await trades({ fromMs: events[3]?.tsEventMs });
    expect(window.ok && window.trades).toHaveLength(1);
  });

  test('a poison message is terminated and the consumer goes on', async () => {
    const subject = Subjects.orderEvent.build({ broker: f.broker, account, kind: 'filled' });
    f.bus.publishRaw(subject, new TextEncoder().encode('{"v":1,"kind":"filled","not":"an order event"}'));
    const late: OrderEvent = {
      ...(events[6] as Extract<OrderEvent, { kind: 'statusChanged' }>),
      eventId: `${events[6]?.clientOrderId}-late`,
      seq: 9,
      from: 'cancelled',
      to: 'cancelled',
      brokerStatus: 'cancelled',
    };
    await publish(f.bus, late);
    await until(() => app.readModel.stats.lastStreamSeq >= lastSeq, 10_000, 'the event after the poison one');
    expect(app.readModel.stats.applied).toBe(events.length + 1);
    expect(f.bus.stats().rejected.schema).toBeGreaterThanOrEqual(1);
    events.push(late);
  });

  test('a rebuild drops the read model and replays the stream to the same trades', async () => {
    const before = await trades();
    await app.readModel.rebuild();
    await until(() => app.readModel.stats.lastStreamSeq >= lastSeq, 10_000, 'the replay');
    expect(app.readModel.stats.applied).toBe(events.length);
    const after = await trades();
    expect(after).toEqual(before);
    expect(after.ok && after.trades).toEqual(expectedTrades());
  });

  test('CSV export of trades: header, one line per fill, decimals as stored', async () => {
    const csv = await fetchExport(f.bus, { what: 'trades', query: { broker: f.broker, limit: 200 } });
    expect(csv.contentType).toBe('text/csv');
    expect(csv.rows).toBe(2);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe(
      'execId,clientOrderId,broker,account,symbol,instrumentId,side,quantity,price,commission,commissionCurrency,realizedPnl,strategy,tsEventMs,time',
    );
    expect(lines[1]).toContain(',AAPL,265598,BUY,60,187.30,0.65,USD,,meanrev,');
    expect(lines).toHaveLength(4); // header, 2 fills, trailing empty after the last CRLF
  });

  test('CSV export of orders for a symbol and date range', async () => {
    const csv = await fetchExport(f.bus, {
      what: 'orders',
      query: { broker: f.broker, symbol: 'MSFT', fromMs: T0, toMs: T0 + 1_000, includeEvents: false, limit: 200 },
    });
    const lines = csv.text.trimEnd().split('\r\n');
    expect(
      lines[0]?.startsWith('clientOrderId,broker,account,symbol,instrumentId,side,quantity,orderType,limitPrice'),
    ).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,${account},MSFT,272093,SELL,5,LMT,410.125,,GTC,,cancelled,0,,`);
    const none = await fetchExport(f.bus, {
      what: 'orders',
      query: { broker: f.broker, fromMs: T0 + 1_000, includeEvents: false, limit: 200 },
    });
    expect(none.rows).toBe(0);
    expect(none.text.split('\r\n')).toHaveLength(2); // header only
  });
});
