/**
 * The typed clients on the in-process bus (embedded mode's real bus): replies typed by the request's name, error
 * replies thrown as ContractErrors with their registry code and hint, the bus's own failures carrying registry
 * codes, and the brokers' one qualification cache. The responders here are stand-ins for a gateway and the OMS,
 * served on the bus the way those services serve (bus.serve with the catalog's schemas on both sides).
 */
import type { Bus } from '@trading-system/bus';
import { BrokerClient, fetchBarColumns, fetchBars, OrdersClient } from '@trading-system/clients';
import {
  ContractError,
  catalog,
  errorRegistry,
  errorReply,
  type HistBarsQuery,
  type HistBarsRequest,
  type Instrument,
  type InstrumentRef,
  packBars,
  registryCodeOf,
  Subjects,
} from '@trading-system/contracts';
import { createTestMemoryBus, type TestBus } from '@trading-system/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

const AAPL: Instrument = {
  id: '265598',
  secType: 'STK',
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  currency: 'USD',
  minTick: '0.01',
};
const MSFT: Instrument = { ...AAPL, id: '272093', symbol: 'MSFT', localSymbol: 'MSFT' };

let t: TestBus;
let bus: Bus;
beforeEach(async () => {
  t = await createTestMemoryBus(catalog);
  bus = t.bus;
});
afterEach(() => t.close());

/** A gateway stand-in answering qualifyContract from a table; counts what it was asked. */
function serveQualify(broker: string, answer: (ref: InstrumentRef) => Instrument[] | 'unknown'): InstrumentRef[] {
  const asked: InstrumentRef[] = [];
  bus.serve<{ instrument: InstrumentRef }>(Subjects.brokerCommand.build({ broker, verb: 'qualifyContract' }), (b) => {
    asked.push(b.instrument);
    const found = answer(b.instrument);
    return found === 'unknown'
      ? errorReply('CONTRACT_UNKNOWN', 'no such contract')
      : { v: 1, ok: true, instruments: found };
  });
  return asked;
}

describe('OrdersClient', () => {
  test('a reply is typed by the request; an error reply is a ContractError with its code, message and hint', async () => {
    bus.serve<{ clientOrderId: string }>(Subjects.ordersGet.build(), (b) =>
      errorReply('ORDER_NOT_FOUND', `no order ${b.clientOrderId}`, { clientOrderId: b.clientOrderId }),
    );
    bus.serve(Subjects.ordersTradingState.build(), () => ({
      v: 1,
      ok: true,
      state: { mode: 'halted', reason: 'test', changedBy: 'test', changedAtMs: 1 },
    }));
    const orders = new OrdersClient(bus, { timeoutMs: 2_000 });
    const state = await orders.tradingState({ v: 1 });
    expect(state.state.mode).toBe('halted');
    const err = await orders.get({ v: 1, clientOrderId: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect(err).toMatchObject({
      code: 'ORDER_NOT_FOUND',
      message: 'no order nope',
      details: { clientOrderId: 'nope' },
    });
    expect((err as ContractError).hint).toBe(errorRegistry.ORDER_NOT_FOUND.hint);
  });

  test('the bus failures carry registry codes: nobody serving, and a body the contract refuses (nothing sent)', async () => {
    const orders = new OrdersClient(bus, { timeoutMs: 2_000 });
    const none = await orders.get({ v: 1, clientOrderId: 'x' }).catch((e: unknown) => e);
    expect(registryCodeOf(none)).toBe('NO_RESPONDERS');
    let served = 0;
    bus.serve(Subjects.ordersSubmit.build(), () => {
      served += 1;
      return errorReply('INTERNAL_ERROR', 'should not be reached');
    });
    const bad = await orders
      .submit({
        v: 1,
        broker: 'sim',
        instrument: { id: '265598' },
        side: 'BUY',
        quantity: '-1',
        orderType: 'MKT',
      })
      .catch((e: unknown) => e);
    expect(registryCodeOf(bad)).toBe('VALIDATION_FAILED');
    expect(served).toBe(0);
  });

  test('a request nobody answers in time is TIMEOUT', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    bus.serve(Subjects.ordersTradingState.build(), async () => {
      await held; // answers only after the caller gave up (and lets the bus drain afterwards)
      return errorReply('SERVICE_UNAVAILABLE', 'late');
    });
    const err = await new OrdersClient(bus, { timeoutMs: 50 }).tradingState({ v: 1 }).catch((e: unknown) => e);
    release();
    expect(registryCodeOf(err)).toBe('TIMEOUT');
  });

  test('listAll follows nextCursor to the last page', async () => {
    const view = (id: string) => ({
      clientOrderId: id,
      broker: 'sim',
      account: 'DU1',
      instrument: AAPL,
      side: 'BUY',
      quantity: '1',
      orderType: 'MKT',
      tif: 'DAY',
      outsideRth: false,
      state: 'filled',
      filledQty: '1',
      lastSeq: 3,
      createdAtMs: 1,
      updatedAtMs: 2,
    });
    bus.serve<{ cursor?: string }>(Subjects.ordersList.build(), (b) =>
      b.cursor === undefined
        ? { v: 1, ok: true, orders: [view('a'), view('b')], nextCursor: 'p2' }
        : { v: 1, ok: true, orders: [view('c')] },
    );
    const all = await new OrdersClient(bus, { timeoutMs: 2_000 }).listAll({ v: 1, status: 'all', limit: 2 });
    expect(all.map((o) => o.clientOrderId)).toEqual(['a', 'b', 'c']);
  });
});

describe('BrokerClient: the one qualification cache', () => {
  test('concurrent asks share one request; later asks by id or by the same description send none', async () => {
    const asked = serveQualify('sim', () => [AAPL]);
    const brokers = new BrokerClient(bus, { timeoutMs: 2_000 });
    const description: InstrumentRef = { secType: 'STK', symbol: 'AAPL', exchange: 'SMART', currency: 'USD' };
    const [a, b] = await Promise.all([brokers.qualify('sim', description), brokers.qualify('sim', description)]);
    expect(a).toEqual(AAPL);
    expect(b).toEqual(AAPL);
    expect(asked).toHaveLength(1);
    expect(await brokers.qualify('sim', { id: AAPL.id })).toEqual(AAPL);
    expect(await brokers.qualify('sim', description)).toEqual(AAPL);
    expect(brokers.cached('sim', AAPL.id)).toEqual(AAPL);
    expect(asked).toHaveLength(1);
  });

  test('a failure is not kept: the next ask goes to the broker again', async () => {
    let known = false;
    const asked = serveQualify('sim', () => (known ? [MSFT] : 'unknown'));
    const brokers = new BrokerClient(bus, { timeoutMs: 2_000 });
    const first = await brokers.qualify('sim', { id: MSFT.id }).catch((e: unknown) => e);
    expect(registryCodeOf(first)).toBe('CONTRACT_UNKNOWN');
    known = true;
    expect(await brokers.qualify('sim', { id: MSFT.id })).toEqual(MSFT);
    expect(asked).toHaveLength(2);
  });

  test('a reference that names several contracts is CONTRACT_AMBIGUOUS and nothing is cached', async () => {
    serveQualify('sim', () => [AAPL, MSFT]);
    const brokers = new BrokerClient(bus, { timeoutMs: 2_000 });
    const err = await brokers.qualify('sim', { secType: 'STK', symbol: 'A' }).catch((e: unknown) => e);
    expect(registryCodeOf(err)).toBe('CONTRACT_AMBIGUOUS');
    expect(brokers.cached('sim', AAPL.id)).toBeUndefined();
  });

  test('brokers are kept apart, and forget(broker) drops only what that broker said', async () => {
    const askedA = serveQualify('a', () => [AAPL]);
    const askedB = serveQualify('b', () => [AAPL]);
    const brokers = new BrokerClient(bus, { timeoutMs: 2_000 });
    await brokers.qualify('a', { id: AAPL.id });
    await brokers.qualify('b', { id: AAPL.id });
    brokers.forget('a');
    expect(brokers.cached('a', AAPL.id)).toBeUndefined();
    expect(brokers.cached('b', AAPL.id)).toEqual(AAPL);
    await brokers.qualify('a', { id: AAPL.id });
    expect([askedA.length, askedB.length]).toEqual([2, 1]);
  });
});

describe('history streams: a packed chunk is checked by its decode', () => {
  const query: HistBarsQuery = {
    broker: 'ib',
    instrument: { id: AAPL.id },
    barSize: '1 min',
    whatToShow: 'TRADES',
    useRth: true,
    cachedOnly: true,
    duration: '1 D',
  };
  const good = packBars(
    [0, 1].map((k) => ({
      tsStartMs: 60_000 * k,
      tsEndMs: 60_000 * (k + 1),
      open: '187.25',
      high: '187.5',
      low: '187',
      close: '187.3',
      volume: '100',
      gap: false,
    })),
    true,
  );
  /** A history stand-in answering hist.bars with one bars-delta chunk of `rows` (published as raw bytes) and its end. */
  function serveOneChunk(rows: string, count: number): void {
    bus.serve<HistBarsRequest>(Subjects.histBars.build(), (req) => {
      const stream = Subjects.histStream.build({ requestId: req.requestId });
      const base = { v: 1, requestId: req.requestId };
      const chunk = { ...base, type: 'bars-delta', index: 0, instrument: AAPL, timeframe: '1m', count, rows };
      bus.publishRaw(stream, new TextEncoder().encode(JSON.stringify(chunk)));
      bus.publish(stream, { ...base, type: 'end', chunks: 1, rows: count, partial: false, missing: [], elapsedMs: 1 });
      return { v: 1, ok: true, requestId: req.requestId, streamSubject: stream };
    });
  }
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ContractError);
    return err as ContractError;
  };

  test('well-formed rows arrive as columns and as objects', async () => {
    serveOneChunk(good, 2);
    expect((await fetchBarColumns(bus, query)).columns.close[1]).toBe(187.3);
    expect((await fetchBars(bus, query)).bars[1]?.close).toBe('187.3');
  });

  test('rows not in the form, or another count than announced, fail the read with INVALID_MESSAGE (not a timeout)', async () => {
    serveOneChunk(good.replace('187.25', '187,25'), 2);
    expect((await refusal(fetchBarColumns(bus, query))).code).toBe('INVALID_MESSAGE');
    expect((await refusal(fetchBars(bus, query))).code).toBe('INVALID_MESSAGE');
  });

  test('a chunk holding another number of bars than its count fails the read', async () => {
    serveOneChunk(good, 3);
    expect((await refusal(fetchBarColumns(bus, query))).message).toContain('announced 3');
    expect((await refusal(fetchBars(bus, query))).message).toContain('announced 3');
  });
});
