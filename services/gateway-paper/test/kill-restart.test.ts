/**
 * gateway-paper killed with SIGKILL in the middle of an order flow, then started again on the same database:
 * every order it answered ok is still there with its orderId (open or filled), every fill it committed is
 * published once (the outbox survives the kill), nothing is duplicated, a retried clientOrderId gets its first
 * orderId back, and order ids are never reused.
 */
import { randomUUID } from 'node:crypto';
import {
  type BrokerPlaceOrderReply,
  type BrokerPlaceOrderRequest,
  type BrokerStatusReply,
  Subjects,
} from '@trading-system/contracts';
import { databaseUrl, type Proc, spawnTs, stopProc, uniqueName } from '@trading-system/testkit';
import { BrokerClient } from '@trading-system/testkit/conformance';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AAPL, ACCOUNT, type Source, startSource } from './helpers.js';

const ORDERS = 40;

describe('gateway-paper: kill -9 mid-flow and restart on the same database', () => {
  let src: Source;
  let c: BrokerClient;
  let proc: Proc | undefined;
  const broker = uniqueName('paper');

  const spawnPaper = async (): Promise<Proc> =>
    spawnTs('services/gateway-paper/src/main.ts', [], {
      NATS_URL: src.natsUrl,
      DATABASE_URL: await databaseUrl(),
      BROKER_NAME: broker,
      PAPER_QUOTES_FROM: src.source,
      PAPER_ACCOUNT: ACCOUNT,
      PAPER_DB_SCHEMA: src.schema,
      PAPER_MARKET_HOURS: 'always',
      LOG_LEVEL: 'warn',
    });

  const connected = async (): Promise<BrokerStatusReply> => {
    let last: BrokerStatusReply | undefined;
    await expect
      .poll(
        async () => {
          try {
            last = await c.command('status', { v: 1 }, 1_000);
            return last.ok ? last.status.state : 'no status';
          } catch {
            return 'not answering';
          }
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe('connected');
    return last as BrokerStatusReply;
  };

  beforeAll(async () => {
    src = await startSource();
    c = new BrokerClient(src.bus, broker);
    await c.record();
    proc = await spawnPaper();
  }, 60_000);
  afterAll(async () => {
    await stopProc(proc);
    await c?.stop();
    await src?.stop();
  });

  test('answered orders and committed fills survive, nothing is duplicated, ids are never reused', async () => {
    const before = await connected();
    const snap = await c.command('mdSnapshot', { v: 1, instrument: { id: AAPL } });
    if (!snap.ok) throw new Error(`no quote: ${snap.code}`);
    const bid = Number(snap.tick.bid);
    const far = (Math.floor(bid * 0.9 * 100) / 100).toFixed(2);

    // Every other order is marketable (fills at once), the others rest far below the market.
    const bodies: BrokerPlaceOrderRequest[] = Array.from({ length: ORDERS }, (_, i) => ({
      v: 1,
      clientOrderId: `kr-${i}-${randomUUID().slice(0, 8)}`,
      account: ACCOUNT,
      instrument: { id: AAPL },
      side: 'BUY',
      quantity: '10',
      orderType: i % 2 === 0 ? 'MKT' : 'LMT',
      ...(i % 2 === 0 ? {} : { limitPrice: far }),
      tif: i % 2 === 0 ? 'DAY' : 'GTC',
      outsideRth: false,
    }));
    const answered = new Map<string, string>();
    const subject = Subjects.brokerCommand.build({ broker, verb: 'placeOrder' });
    let killed: Promise<void> | undefined;
    // Sent back to back; the gateway dies once a third of them are answered, others in flight.
    await Promise.all(
      bodies.map(async (b, i) => {
        await new Promise((r) => setTimeout(r, i * 5));
        try {
          const r = await src.bus.request<BrokerPlaceOrderReply>(subject, b, { timeoutMs: 3_000 });
          if (r.ok) answered.set(b.clientOrderId, r.orderId);
        } catch {
          // no answer: unknown, settled below by asking again
        }
        if (answered.size >= ORDERS / 3 && killed === undefined) killed = stopProc(proc, 'SIGKILL');
      }),
    );
    await killed;
    expect(answered.size).toBeGreaterThanOrEqual(ORDERS / 3);
    expect(answered.size).toBeLessThan(ORDERS);

    proc = await spawnPaper();
    const after = await connected();
    expect(after.ok && before.ok && after.status.instanceId !== before.status.instanceId).toBe(true);

    const reconId = randomUUID();
    expect(await c.command('reconcile', { v: 1, reconId })).toMatchObject({ ok: true });
    const s = await c.waitFor('reconciliationSnapshot', (x) => x.reconId === reconId, 'the snapshot after restart');
    const all = [...s.openOrders, ...s.completedOrders];
    for (const [id, orderId] of answered) {
      const o = all.find((x) => x.clientOrderId === id);
      expect(o, `${id} answered ok before the kill`).toBeDefined();
      expect(o?.orderId).toBe(orderId);
      const resting = o?.orderType === 'LMT';
      expect(o?.status).toBe(resting ? 'working' : 'filled');
    }
    // Nothing twice at the broker: one order per clientOrderId, one id per order.
    const refs = all.map((x) => x.clientOrderId);
    expect(new Set(refs).size).toBe(refs.length);
    expect(new Set(all.map((x) => x.orderId)).size).toBe(all.length);

    // Asking again settles the unanswered ones; an answered one gets its first orderId back, nothing new is made.
    for (const b of bodies) {
      const r = await c.command('placeOrder', b);
      expect(r.ok).toBe(true);
      if (r.ok && answered.has(b.clientOrderId)) expect(r.orderId).toBe(answered.get(b.clientOrderId));
    }
    // A market order placed again after the restart fills when the new instance has its first quote from its
    // source: wait for every one of them to say filled before the final snapshot (not only those filled before).
    const marketIds = bodies.filter((b) => b.orderType === 'MKT').map((b) => b.clientOrderId);
    await c.waitUntil(
      () =>
        marketIds.every((id) => c.all('orderStatus', (x) => x.clientOrderId === id && x.status === 'filled').length > 0)
          ? true
          : undefined,
      'every market order filled',
    );
    const reconId2 = randomUUID();
    await c.command('reconcile', { v: 1, reconId: reconId2 });
    const s2 = await c.waitFor('reconciliationSnapshot', (x) => x.reconId === reconId2, 'the final snapshot');
    const final = [...s2.openOrders, ...s2.completedOrders];
    expect(final).toHaveLength(ORDERS);
    // Ids are never reused across the kill: the orders of the second instance are above every earlier one.
    // The paper venue's order ids are its core's integers, in decimal.
    const maxBefore = Math.max(...[...answered.values()].map(Number));
    for (const o of final)
      if (!answered.has(o.clientOrderId ?? '')) expect(Number(o.orderId)).toBeGreaterThan(maxBefore);

    // Every committed fill is on the stream once, with one commission; the stream and the broker agree.
    await c.waitUntil(
      () => (c.all('execution').length === s2.executions.length ? true : undefined),
      'every execution of the snapshot on the stream',
    );
    const streamed = c.all('execution').map((e) => e.execution.execId);
    expect(new Set(streamed).size).toBe(streamed.length);
    expect(new Set(streamed)).toEqual(new Set(s2.executions.map((x) => x.execId)));
    for (const id of streamed) expect(c.all('commissionReport', (r) => r.execId === id)).toHaveLength(1);
    expect(s2.executions).toHaveLength(ORDERS / 2);
  }, 90_000);
});
