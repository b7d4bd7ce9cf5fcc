import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  BrokerCancelOrderRequest,
  BrokerOrderStatus,
  BrokerPlaceOrderRequest,
  ContractError,
  chunkBySize,
  describeError,
  ERROR_CODES,
  ErrorReply,
  errorRegistry,
  errorReply,
  errorReplyOf,
  HistBarsQuery,
  HistStreamMessage,
  Instrument,
  InstrumentRef,
  isErrorCode,
  isIdRef,
  jsonByteLength,
  MAX_PAYLOAD_BYTES,
  ModifyOrder,
  OrderEvent,
  OrderFilled,
  okReply,
  Position,
  parseOrThrow,
  registryCodeOf,
  SubmitOrder,
  Tick,
  unwrapReply,
  validationError,
} from '../src/index.js';

const order = {
  v: 1,
  broker: 'sim',
  instrument: { id: '265598' },
  side: 'BUY',
  quantity: '10',
  orderType: 'LMT',
  limitPrice: '187.25',
} as const;

describe('order commands', () => {
  test('defaults are applied', () => {
    const o = SubmitOrder.parse(order);
    expect(o.tif).toBe('DAY');
    expect(o.outsideRth).toBe(false);
  });
  test.each([
    [{ orderType: 'LMT', limitPrice: undefined }, 'limitPrice', /needs limitPrice/],
    [{ orderType: 'MKT' }, 'limitPrice', /must not have limitPrice/],
    [{ orderType: 'STP', limitPrice: undefined }, 'stopPrice', /needs stopPrice/],
    [{ orderType: 'STP LMT' }, 'stopPrice', /needs stopPrice/],
  ])('%j is refused at %s', (patch, path, message) => {
    const r = SubmitOrder.safeParse({ ...order, ...patch });
    expect(r.success).toBe(false);
    expect(r.error?.issues.find((i) => i.path[0] === path)?.message).toMatch(message);
  });
  test('quantity must be a positive decimal string', () => {
    for (const quantity of ['0', '-1', '1e3', 10])
      expect(SubmitOrder.safeParse({ ...order, quantity }).success).toBe(false);
  });
  test('unknown order types, sides and TIFs are refused', () => {
    expect(SubmitOrder.safeParse({ ...order, orderType: 'TRAIL' }).success).toBe(false);
    expect(SubmitOrder.safeParse({ ...order, side: 'buy' }).success).toBe(false);
    expect(SubmitOrder.safeParse({ ...order, tif: 'OPG' }).success).toBe(false);
  });
  test('modify needs something to change', () => {
    expect(ModifyOrder.safeParse({ v: 1, clientOrderId: 'a' }).success).toBe(false);
    expect(ModifyOrder.safeParse({ v: 1, clientOrderId: 'a', quantity: '5' }).success).toBe(true);
  });
  test('numbers a broker would change are refused at the boundary, naming the field (issue 15.5)', () => {
    const issue = (patch: Record<string, unknown>) =>
      SubmitOrder.safeParse({ ...order, ...patch }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issue({ quantity: '1000000000000000000000' })).toEqual([
      expect.stringMatching(/^quantity: more than 15 significant digits/),
    ]);
    expect(issue({ quantity: '9007199254740993' })).toEqual([expect.stringMatching(/^quantity: more than 15/)]);
    expect(issue({ limitPrice: '99999999999999999999.99' })).toEqual([expect.stringMatching(/^limitPrice: more/)]);
    expect(issue({ quantity: '999999999999999' })).toBeUndefined();
    expect(issue({ limitPrice: '0.000000000001' })).toBeUndefined();
    // A JSON integer beyond 2^53 arrives rounded; it is never a valid id or time.
    expect(issue({ instrument: { id: JSON.parse('9007199254740993') } })?.[0]).toMatch(/^instrument/);
    const modify = (patch: Record<string, unknown>) =>
      ModifyOrder.safeParse({ v: 1, clientOrderId: 'a', ...patch }).success;
    expect(modify({ quantity: '12345678901234567' })).toBe(false);
    expect(modify({ stopPrice: '1234567890123456' })).toBe(false);
    expect(modify({ quantity: '123456789012345' })).toBe(true);
  });
  test('symbols, exchanges and currencies are normalized, or refused naming the field', () => {
    const desc = (patch: Record<string, unknown>) =>
      InstrumentRef.safeParse({ secType: 'STK', symbol: 'AAPL', ...patch });
    for (const symbol of ['AAPL', 'aapl', 'AAPL ', ' aApL\t'])
      expect(desc({ symbol }).data).toEqual({ secType: 'STK', symbol: 'AAPL' });
    expect(desc({ symbol: 'brk b', exchange: ' smart', currency: 'usd' }).data).toEqual({
      secType: 'STK',
      symbol: 'BRK B',
      exchange: 'SMART',
      currency: 'USD',
    });
    expect(desc({ localSymbol: ' AAPL  261218C00200000 ' }).data).toMatchObject({
      localSymbol: 'AAPL  261218C00200000',
    });
    for (const symbol of ['', '   ', 'BRK  B', 'A\nB', 'X'.repeat(33), 'AAPL\u0000'])
      expect(desc({ symbol }).error?.issues[0]?.path, JSON.stringify(symbol)).toEqual(['symbol']);
    expect(desc({ currency: 'dollars' }).success).toBe(false);
    expect(SubmitOrder.parse({ ...order, instrument: { id: '265598', exchange: 'smart' } }).instrument).toEqual({
      id: '265598',
      exchange: 'SMART',
    });
  });
  test('broker order ids are opaque subject-safe strings; recorded integers read as their decimal strings', () => {
    const uuid = '61e69015-8549-4bfd-b9c3-01e75843f47d';
    for (const orderId of ['7', uuid, 'A_1'])
      expect(BrokerCancelOrderRequest.parse({ v: 1, clientOrderId: 'c', orderId }).orderId).toBe(orderId);
    for (const orderId of [7, '', 'a.b', 'a*', 'a b', 'x'.repeat(65)])
      expect(BrokerCancelOrderRequest.safeParse({ v: 1, clientOrderId: 'c', orderId }).success, String(orderId)).toBe(
        false,
      );
    for (const id of ['', 'a.b', 'a*', 'a b', 'x'.repeat(65), 265598])
      expect(InstrumentRef.safeParse({ id }).success, String(id)).toBe(false);
    expect(InstrumentRef.parse({ id: '61e69015-8549-4bfd-b9c3-01e75843f47d' })).toEqual({
      id: '61e69015-8549-4bfd-b9c3-01e75843f47d',
    });
    const status = {
      v: 1,
      eventId: 'e1',
      broker: 'ib_paper',
      tsEventMs: 1,
      tsInitMs: 1,
      status: 'working',
      filled: '0',
      remaining: '1',
    };
    // A gateway before the broker-neutral contract wrote IB's integers, 0 for "none".
    expect(BrokerOrderStatus.parse({ ...status, orderId: 12, permId: 0 })).toMatchObject({ orderId: '12' });
    expect(BrokerOrderStatus.parse({ ...status, orderId: 0, permId: 0 })).toMatchObject({ orderId: undefined });
    expect(BrokerOrderStatus.parse({ ...status, orderId: -3, permId: 99 })).toMatchObject({
      orderId: '-3',
      permId: '99',
    });
    expect(BrokerOrderStatus.parse({ ...status, orderId: uuid, permId: uuid })).toMatchObject({ orderId: uuid });
    expect(BrokerOrderStatus.parse(status).permId).toBeUndefined();
  });
  test('broker placeOrder applies the same price rules', () => {
    const place = { ...order, clientOrderId: 'c1', account: 'DU1', tif: 'DAY', outsideRth: false };
    expect(BrokerPlaceOrderRequest.safeParse(place).success).toBe(true);
    expect(BrokerPlaceOrderRequest.safeParse({ ...place, orderType: 'MKT' }).success).toBe(false);
  });
});

describe('instruments', () => {
  const opt = {
    id: '1',
    secType: 'OPT',
    symbol: 'AAPL',
    localSymbol: 'AAPL  261218C00200000',
    exchange: 'SMART',
    currency: 'USD',
    expiry: '20261218',
    strike: '200',
    right: 'C',
    multiplier: '100',
    minTick: '0.01',
  };
  test('an option needs expiry, strike and right', () => {
    expect(Instrument.safeParse(opt).success).toBe(true);
    const r = Instrument.safeParse({ ...opt, right: undefined });
    expect(r.error?.issues[0]?.path).toEqual(['right']);
  });
  test('expiry is a real YYYYMMDD date', () => {
    expect(Instrument.safeParse({ ...opt, expiry: '20260231' }).success).toBe(false);
    expect(Instrument.safeParse({ ...opt, expiry: '2026-12-18' }).success).toBe(false);
  });
  test('a reference is an instrument id or a description', () => {
    const byId = InstrumentRef.parse({ id: '265598' });
    expect(isIdRef(byId)).toBe(true);
    const desc = InstrumentRef.parse({ secType: 'FUT', symbol: 'ES', exchange: 'CME', expiry: '202612' });
    expect(isIdRef(desc)).toBe(false);
    expect(InstrumentRef.safeParse({ symbol: 'AAPL' }).success).toBe(false);
    expect(InstrumentRef.safeParse({ id: -1 }).success).toBe(false);
  });

  test('records written before instrument ids read with the conId as the id (decimal string)', () => {
    expect(InstrumentRef.parse({ conId: 265598, exchange: 'SMART' })).toEqual({ id: '265598', exchange: 'SMART' });
    expect(Instrument.parse({ ...opt, id: undefined, conId: 1 })).toMatchObject({ id: '1', secType: 'OPT' });
    expect(Instrument.parse({ ...opt, id: undefined, conId: 1 })).not.toHaveProperty('conId');
    // an id wins over a stray conId; a conId that was never valid stays refused
    expect(Instrument.parse({ ...opt, conId: 2 }).id).toBe('1');
    expect(Instrument.safeParse({ ...opt, id: undefined, conId: 0 }).success).toBe(false);
    const position = { broker: 'sim', account: 'DU1', symbol: 'AAPL', secType: 'STK', currency: 'USD', quantity: '5' };
    expect(Position.parse({ ...position, conId: 265598 }).instrumentId).toBe('265598');
  });
});

describe('events', () => {
  const fill = {
    v: 1,
    kind: 'filled',
    eventId: 'e-1',
    clientOrderId: 'c-1',
    seq: 3,
    broker: 'sim',
    account: 'DU1',
    tsEventMs: 1,
    tsInitMs: 2,
    execId: '0001f4e8.6543.01.01',
    side: 'BUY',
    price: '187.25',
    quantity: '10',
    cumQty: '10',
    leavesQty: '0',
    avgPrice: '187.25',
  };
  test('a fill parses as OrderFilled and through the OrderEvent union', () => {
    expect(OrderFilled.parse(fill).kind).toBe('filled');
    expect(OrderEvent.parse(fill).kind).toBe('filled');
    expect(OrderEvent.safeParse({ ...fill, kind: 'teleported' }).success).toBe(false);
  });
  test('timestamps are integer ms', () => {
    expect(OrderFilled.safeParse({ ...fill, tsEventMs: 1.5 }).success).toBe(false);
    expect(OrderFilled.safeParse({ ...fill, tsEventMs: -1 }).success).toBe(false);
    expect(OrderFilled.safeParse({ ...fill, seq: 0 }).success).toBe(false);
  });
  test('a tick needs its instrument and times, prices are strings', () => {
    const tick = { v: 1, broker: 'sim', instrumentId: '1', tsEventMs: 1, tsInitMs: 1, delayed: false, bid: '1.5' };
    expect(Tick.safeParse(tick).success).toBe(true);
    expect(Tick.safeParse({ ...tick, bid: 1.5 }).success).toBe(false);
    expect(Tick.safeParse({ ...tick, broker: 'a.b' }).success).toBe(false);
  });
  test('history stream messages are discriminated on type', () => {
    const end = { v: 1, requestId: 'r', type: 'end', chunks: 2, rows: 10, partial: true, elapsedMs: 5 };
    const missing = [{ startMs: 1, endMs: 2, code: 'PACING_VIOLATION', message: 'later' }];
    expect(HistStreamMessage.parse({ ...end, missing }).type).toBe('end');
    expect(HistStreamMessage.safeParse({ ...end, missing, type: 'done' }).success).toBe(false);
    const progress = { v: 1, requestId: 'r', type: 'progress', chunksDone: 1, chunksTotal: 4, etaMs: 3000 };
    expect(HistStreamMessage.parse(progress).type).toBe('progress');
  });
  test('a bars query takes exactly one of startMs / duration', () => {
    const q = { broker: 'sim', instrument: { id: '1' }, barSize: '1 hour' };
    expect(HistBarsQuery.safeParse({ ...q, duration: '5 D' }).success).toBe(true);
    expect(HistBarsQuery.safeParse({ ...q, startMs: 1, endMs: 2 }).success).toBe(true);
    expect(HistBarsQuery.safeParse(q).success).toBe(false);
    expect(HistBarsQuery.safeParse({ ...q, startMs: 1, duration: '5 D' }).success).toBe(false);
    expect(HistBarsQuery.safeParse({ ...q, startMs: 5, endMs: 2 }).success).toBe(false);
  });
});

describe('errors', () => {
  test('every registered code has a description and a hint', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(30);
    for (const code of ERROR_CODES) {
      expect(describeError(code).description.length).toBeGreaterThan(10);
      expect(describeError(code).hint.length).toBeGreaterThan(10);
    }
    for (const code of [
      'VALIDATION_FAILED',
      'NO_RESPONDERS',
      'RISK_PRICE_COLLAR',
      'PRICE_NOT_ON_TICK',
      'HISTORY_PARTIAL',
    ])
      expect(isErrorCode(code)).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
  test('okReply is a union of the payload and the error reply', () => {
    const R = okReply({ n: z.int() });
    expect(R.parse({ v: 1, ok: true, n: 3 })).toEqual({ v: 1, ok: true, n: 3 });
    expect(R.parse(errorReply('TIMEOUT', 'late')).ok).toBe(false);
    expect(R.safeParse({ v: 1, ok: true }).success).toBe(false);
    expect(ErrorReply.safeParse({ v: 1, ok: false, code: 'NOT_A_CODE', message: 'x' }).success).toBe(false);
  });
  test('ContractError round-trips through a reply and keeps its cause', () => {
    const cause = new Error('socket closed');
    const err = new ContractError('BROKER_DISCONNECTED', 'ib_paper is down', {
      cause,
      details: { broker: 'ib_paper' },
    });
    expect(err.name).toBe('ContractError');
    expect(err.cause).toBe(cause);
    expect(err.retryable).toBe(true);
    const reply = err.toReply();
    expect(ErrorReply.parse(reply)).toEqual(reply);
    const back = ContractError.fromReply(reply);
    expect(back.code).toBe('BROKER_DISCONNECTED');
    expect(back.details).toEqual({ broker: 'ib_paper' });
  });
  test('errorReply carries the registry hint; errorReplyOf types any error that carries a registry code', () => {
    expect(errorReply('TIMEOUT', 'late')).toEqual({
      v: 1,
      ok: false,
      code: 'TIMEOUT',
      message: 'late',
      hint: errorRegistry.TIMEOUT.hint,
    });
    const storage = Object.assign(new Error('database unreachable'), { code: 'SERVICE_UNAVAILABLE' });
    expect(registryCodeOf(storage)).toBe('SERVICE_UNAVAILABLE');
    expect(errorReplyOf(storage)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'database unreachable' });
    expect(errorReplyOf(new ContractError('NOT_FOUND', 'gone', { details: { id: 'x' } }))).toMatchObject({
      code: 'NOT_FOUND',
      details: { id: 'x' },
    });
    expect(registryCodeOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(registryCodeOf('SERVICE_UNAVAILABLE')).toBeUndefined();
    expect(errorReplyOf(new Error('plain'))).toBeUndefined();
  });
  test('unwrapReply returns the payload or throws the reply as ContractError', () => {
    const R = okReply({ n: z.int() });
    expect(unwrapReply(R.parse({ v: 1, ok: true, n: 3 })).n).toBe(3);
    const failed = R.parse(errorReply('ORDER_NOT_FOUND', 'no such order'));
    expect(() => unwrapReply(failed)).toThrow(expect.objectContaining({ code: 'ORDER_NOT_FOUND' }));
  });
  test('parseOrThrow returns parsed data or throws VALIDATION_FAILED', () => {
    expect(parseOrThrow(SubmitOrder, order).tif).toBe('DAY');
    expect(() => parseOrThrow(SubmitOrder, { ...order, side: 'HOLD' }, 'orders.submit')).toThrow(
      /orders.submit: side|invalid orders.submit: side/,
    );
  });
  test('validationError lists the failing paths', () => {
    const r = SubmitOrder.safeParse({ ...order, quantity: '1e3' });
    const err = validationError(r.error!, 'orders.submit');
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toMatch(/quantity: exponent/);
    expect(err.details?.issues).toEqual([{ path: 'quantity', message: expect.stringMatching(/exponent/) }]);
  });
});

describe('payload chunking', () => {
  test('chunks stay below the limit and keep order', () => {
    const bars = Array.from({ length: 5000 }, (_, i) => ({ i, open: '187.25', close: '187.5', volume: '12345' }));
    const chunks = chunkBySize(bars, 32 * 1024, 512);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(bars);
    for (const c of chunks) expect(jsonByteLength(c) + 512).toBeLessThanOrEqual(32 * 1024);
    expect(MAX_PAYLOAD_BYTES).toBe(1024 * 1024);
  });
  test('an empty list gives no chunks', () => expect(chunkBySize([])).toEqual([]));
});
