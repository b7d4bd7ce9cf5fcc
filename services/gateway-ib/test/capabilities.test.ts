/**
 * gateway-ib announces its capabilities in every status (published and replied) and refuses, unsent, what it does
 * not announce: IB's own limits (stop orders are not IOC/FOK, market orders not outside RTH, whole units) and an
 * operator's narrowing (here: GTC refused, as an account without GTC permission).
 */

import { randomUUID } from 'node:crypto';
import {
  type BrokerPlaceOrderReply,
  type BrokerStatus,
  type BrokerStatusReply,
  capabilityProblems,
  type ListBrokersReply,
  Subjects,
} from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ibCapabilities } from '../src/capabilities.js';
import { AAPL, type Harness, nextMessage, startHarness } from './helpers.js';

const ACCOUNT = 'DU1234567';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    connection: { marketDataLines: 7 },
    brokerOptions: { capabilities: { tifs: ['DAY', 'IOC', 'FOK'] } },
  });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h?.close();
});

const place = (over: Record<string, unknown>) =>
  h.bus.request<BrokerPlaceOrderReply>(
    Subjects.brokerCommand.build({ broker: h.broker, verb: 'placeOrder' }),
    {
      v: 1,
      clientOrderId: `o-${randomUUID().slice(0, 18)}`,
      account: ACCOUNT,
      instrument: { id: AAPL },
      side: 'BUY',
      quantity: '100',
      orderType: 'LMT',
      limitPrice: '1.00',
      tif: 'DAY',
      outsideRth: false,
      ...over,
    },
    { timeoutMs: 5_000 },
  );

describe('gateway-ib capabilities', () => {
  test('IB defaults: stops rest only, market orders never outside RTH, whole units, every IB bar size', () => {
    const caps = ibCapabilities(100);
    expect(caps.orderTypes).toEqual({
      MKT: ['DAY', 'GTC', 'IOC', 'FOK'],
      LMT: ['DAY', 'GTC', 'IOC', 'FOK'],
      STP: ['DAY', 'GTC'],
      'STP LMT': ['DAY', 'GTC'],
    });
    expect(caps.outsideRth).toEqual(['LMT', 'STP', 'STP LMT']);
    expect(caps.fractionalQuantity).toEqual([]);
    expect(caps.assetClasses).toEqual(['STK', 'CASH', 'FUT', 'OPT']);
    expect(caps.history?.bars.map((b) => b.timeframe)).toContain('1m');
    expect(caps.history?.requestWindow).toEqual({ max: 60, windowMs: 600_000 });
    expect(capabilityProblems(caps)).toEqual([]);
    // Narrowing never leaves an order type without TIFs, nor outsideRth for a type no longer taken.
    const narrow = ibCapabilities(100, { orderTypes: ['MKT', 'STP'], tifs: ['IOC'] });
    expect(narrow.orderTypes).toEqual({ MKT: ['IOC'] });
    expect(narrow.outsideRth).toEqual([]);
  });

  test('are announced in the status reply, the published status and listBrokers, narrowed by the operator', async () => {
    const published = nextMessage<BrokerStatus>(
      h.bus,
      Subjects.brokerStatus.build({ broker: h.broker }),
      (s) => s.capabilities !== undefined,
    );
    const r = await h.bus.request<BrokerStatusReply>(
      Subjects.brokerCommand.build({ broker: h.broker, verb: 'status' }),
      { v: 1 },
      { timeoutMs: 5_000 },
    );
    expect(r.ok).toBe(true);
    const caps = r.ok ? r.status.capabilities : undefined;
    expect(caps?.orderTypes.LMT).toEqual(['DAY', 'IOC', 'FOK']);
    expect(caps?.orderTypes.STP).toEqual(['DAY']);
    expect(caps?.marketDataLines).toBe(7);
    expect((await published).capabilities).toEqual(caps);
    const list = await h.bus.request<ListBrokersReply>(
      Subjects.gatewayCommand.build({ type: h.gatewayType, verb: 'listBrokers' }),
      { v: 1 },
      { timeoutMs: 5_000 },
    );
    expect(list.ok && list.brokers[0]?.capabilities).toEqual(caps);
  });

  test('refuses unsent what it does not announce, naming the capability', async () => {
    const sentBefore = h.sim.control.orders().open.length + h.sim.control.orders().completed.length;
    for (const [over, rule] of [
      [{ tif: 'GTC' }, 'tif'],
      [{ orderType: 'STP', limitPrice: undefined, stopPrice: '500.00', tif: 'IOC' }, 'tif'],
      [{ orderType: 'MKT', limitPrice: undefined, outsideRth: true }, 'outsideRth'],
      [{ quantity: '0.5' }, 'fractionalQuantity'],
    ] as const) {
      expect(await place(over), rule).toMatchObject({
        ok: false,
        code: 'ORDER_TYPE_UNSUPPORTED',
        details: { rule },
      });
    }
    expect(h.sim.control.orders().open.length + h.sim.control.orders().completed.length).toBe(sentBefore);
    // What it announces still goes through.
    expect(await place({ outsideRth: true })).toMatchObject({ ok: true });
  });
});
