/**
 * Tick-by-tick data and market depth over a real socket with @stoqey/ib, on a manual clock: every tick and book row
 * is checked against the sim's QuoteSource (the same quotes reqMktData and the matching engine use), plus the
 * refusals and limits, release on disconnect, and golden field counts of the new messages at sv 178 and 176.
 */
import { type Contract, EventName, SecType, TickByTickDataType } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { RunningSim } from '../src/app.js';
import type { ManualClock } from '../src/clock.js';
import type { Instrument } from '../src/instruments/instrument.js';
import { connectClient, loose, RawClient, startTestSim, type TestClient, withTimeout } from './helpers.js';
import { startManualSim } from './order-helpers.js';

const AAPL_ID = 265598;
const AAPL: Contract = { conId: AAPL_ID, exchange: 'SMART' };
const EURUSD: Contract = { symbol: 'EUR', secType: SecType.CASH, exchange: 'IDEALPRO', currency: 'USD' };

interface Rec {
  readonly event: string;
  readonly args: readonly unknown[];
}

const RECORDED = [
  EventName.tickByTickAllLast,
  EventName.tickByTickBidAsk,
  EventName.tickByTickMidPoint,
  EventName.updateMktDepth,
  EventName.updateMktDepthL2,
  EventName.mktDepthExchanges,
  EventName.currentTime,
  EventName.error,
] as const;

/** Every tick-by-tick, depth and error event of one client, in arrival order. */
class Events {
  readonly all: Rec[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly client: TestClient) {
    for (const event of RECORDED) {
      loose(client.ib).on(event, (...args: unknown[]) => {
        this.all.push({ event, args });
        for (const w of this.waiters.splice(0)) w();
      });
    }
  }

  /** Events of one kind for one request id (args[0], or args[2] for errors). */
  of(event: string, reqId: number): Rec[] {
    const idAt = event === EventName.error ? 2 : 0;
    return this.all.filter((e) => e.event === event && e.args[idAt] === reqId);
  }

  errorCodes(reqId: number): number[] {
    return this.of(EventName.error, reqId).map((e) => e.args[1] as number);
  }

  /** Text of the first error for a request id. */
  errorText(reqId: number): string {
    const err = this.of(EventName.error, reqId)[0]?.args[0];
    return err instanceof Error ? err.message : '';
  }

  async until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await withTimeout(new Promise<void>((resolve) => this.waiters.push(resolve)), left, what).catch(() => undefined);
    }
  }

  /** A reqCurrentTime round trip: everything the sim sent before its answer has arrived. */
  async fence(): Promise<void> {
    const before = this.all.filter((e) => e.event === EventName.currentTime).length;
    this.client.ib.reqCurrentTime();
    await this.until(() => this.all.filter((e) => e.event === EventName.currentTime).length > before, 'currentTime');
  }
}

interface Row {
  price: number;
  size: number;
  marketMaker: string;
}

/** Applies depth operations as ib_async does (insert shifts down, delete shifts up); asks side 0, bids side 1. */
function applyOps(book: { asks: Row[]; bids: Row[] }, ops: Rec[]): void {
  for (const { event, args } of ops) {
    const l2 = event === EventName.updateMktDepthL2;
    const position = args[1] as number;
    const marketMaker = l2 ? (args[2] as string) : '';
    const [operation, side, price, size] = (l2 ? args.slice(3, 7) : args.slice(2, 6)) as number[];
    const rows = side === 0 ? book.asks : book.bids;
    const row = { price: price as number, size: size as number, marketMaker };
    if (operation === 0) rows.splice(position, 0, row);
    else if (operation === 1) rows[position] = row;
    else {
      // IBApiNext keys rows by position and does not shift on delete: the sim only ever deletes the last row.
      expect(position).toBe(rows.length - 1);
      rows.splice(position, 1);
    }
  }
}

let sim: RunningSim;
let clock: ManualClock;
let c: TestClient;
let ev: Events;
const instrument = (pred: (i: Instrument) => boolean): Instrument => {
  const found = sim.control.catalog.instruments.find(pred);
  if (!found) throw new Error('instrument not in catalog');
  return found;
};

beforeAll(async () => {
  ({ sim, clock } = await startManualSim());
  c = await connectClient(sim.port, 1);
  ev = new Events(c);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

describe('reqTickByTickData', () => {
  test('Last: numberOfTicks recent trades first, then one per second, each the sim trade; cancel stops it', async () => {
    const t0 = clock.now();
    c.ib.reqTickByTickData(1, AAPL, TickByTickDataType.Last, 5, false);
    await ev.fence();
    expect(ev.of(EventName.tickByTickAllLast, 1)).toHaveLength(5);
    clock.advance(3_000);
    await ev.fence();
    const ticks = ev.of(EventName.tickByTickAllLast, 1).map((e) => e.args);
    const nowS = Math.floor(t0 / 1000);
    expect(ticks.map((a) => Number(a[2]))).toEqual([-4, -3, -2, -1, 0, 1, 2, 3].map((d) => nowS + d));
    for (const a of ticks) {
      const q = sim.control.quotes.quoteAt(AAPL_ID, Number(a[2]) * 1000);
      expect(a[1]).toBe(1);
      expect(a[3]).toBe(q.last);
      expect(a[4]).toBe(q.lastSize);
      expect(a[5]).toEqual({ pastLimit: false, unreported: false });
      expect(a[6]).toMatch(/^[A-Z]+$/);
    }
    c.ib.cancelTickByTickData(1);
    await ev.fence(); // the cancel reaches the sim before the clock moves
    clock.advance(3_000);
    await ev.fence();
    expect(ev.of(EventName.tickByTickAllLast, 1)).toHaveLength(8);
    expect(ev.errorCodes(1)).toEqual([]);
  });

  test('AllLast streams the same trades with tickType 2', async () => {
    c.ib.reqTickByTickData(2, AAPL, TickByTickDataType.AllLast, 0, false);
    await ev.fence();
    expect(ev.of(EventName.tickByTickAllLast, 2)).toHaveLength(0); // no trade until the next second
    clock.advance(2_000);
    await ev.fence();
    const ticks = ev.of(EventName.tickByTickAllLast, 2).map((e) => e.args);
    expect(ticks).toHaveLength(2);
    for (const a of ticks) {
      expect(a[1]).toBe(2);
      expect(a[3]).toBe(sim.control.quotes.quoteAt(AAPL_ID, Number(a[2]) * 1000).last);
    }
    c.ib.cancelTickByTickData(2);
  });

  test('BidAsk: the current quote, then every change of the quote on the 250 ms grid; ignoreSize only price moves', async () => {
    const t0 = clock.now();
    c.ib.reqTickByTickData(3, AAPL, TickByTickDataType.BidAsk, 0, false);
    c.ib.reqTickByTickData(4, AAPL, TickByTickDataType.BidAsk, 0, true);
    await ev.fence();
    clock.advance(5_000);
    await ev.fence();
    c.ib.cancelTickByTickData(3);
    c.ib.cancelTickByTickData(4);
    const quotes = sim.control.quotes;
    const expected = (ignoreSize: boolean): number[][] => {
      const out: number[][] = [];
      let last: number[] | undefined;
      for (let g = t0; g <= t0 + 5_000; g += 250) {
        const q = quotes.quoteAt(AAPL_ID, g);
        const row = [Math.floor(g / 1000), q.bid, q.ask, q.bidSize, q.askSize];
        const key = ignoreSize ? row.slice(1, 3) : row.slice(1);
        if (last === undefined || key.join() !== last.join()) out.push(row);
        last = key;
      }
      return out;
    };
    const got = (id: number): number[][] =>
      ev.of(EventName.tickByTickBidAsk, id).map((e) => [Number(e.args[1]), ...(e.args.slice(2, 6) as number[])]);
    expect(got(3)).toEqual(expected(false));
    expect(got(4)).toEqual(expected(true));
    expect(got(3).length).toBeGreaterThan(got(4).length);
    for (const [time, bid, ask] of got(3)) {
      expect(bid).toBeLessThan(ask as number);
      expect(time).toBeGreaterThanOrEqual(Math.floor(t0 / 1000));
    }
    const times = got(3).map((r) => r[0] as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test('MidPoint on EUR.USD: recent midpoints, then each change on the 5 ms FX grid', async () => {
    const eur = instrument((i) => i.localSymbol === 'EUR.USD');
    c.ib.reqTickByTickData(5, EURUSD, TickByTickDataType.MidPoint, 20, false);
    await ev.fence();
    expect(ev.of(EventName.tickByTickMidPoint, 5)).toHaveLength(20);
    const t0 = clock.now();
    clock.advance(1_000);
    await ev.fence();
    c.ib.cancelTickByTickData(5);
    const mids = ev.of(EventName.tickByTickMidPoint, 5).map((e) => [Number(e.args[1]), e.args[2] as number]);
    const history = mids.slice(0, 20);
    const q0 = sim.control.quotes.quoteAt(eur.conId, t0);
    expect(history.at(-1)?.[1]).toBeCloseTo((q0.bid + q0.ask) / 2, 10);
    for (let i = 1; i < history.length; i++) {
      expect(history[i]?.[1]).not.toBe(history[i - 1]?.[1]);
      expect(history[i]?.[0]).toBeGreaterThanOrEqual(history[i - 1]?.[0] as number);
    }
    const live: number[][] = [];
    let last = (q0.bid + q0.ask) / 2;
    for (let g = t0 + 5; g <= t0 + 1_000; g += 5) {
      const q = sim.control.quotes.quoteAt(eur.conId, g);
      const mid = (q.bid + q.ask) / 2;
      if (mid !== last) live.push([Math.floor(g / 1000), mid]);
      last = mid;
    }
    expect(live.length).toBeGreaterThan(0);
    expect(mids.slice(20).map(([t, m]) => [t, Number((m as number).toFixed(10))])).toEqual(
      live.map(([t, m]) => [t, Number((m as number).toFixed(10))]),
    );
  });

  test('refusals: 102 duplicate id, 200 unknown contract, 10189 not offered, 10190 past three, 300 unknown cancel', async () => {
    const opt = instrument((i) => i.secType === 'OPT' && i.symbol === 'AAPL');
    c.ib.reqTickByTickData(10, AAPL, TickByTickDataType.Last, 0, false);
    c.ib.reqTickByTickData(10, AAPL, TickByTickDataType.Last, 0, false);
    c.ib.reqTickByTickData(
      11,
      { symbol: 'NOPE', secType: SecType.STK, exchange: 'SMART' },
      TickByTickDataType.Last,
      0,
      false,
    );
    c.ib.reqTickByTickData(12, EURUSD, TickByTickDataType.Last, 0, false);
    c.ib.reqTickByTickData(13, { conId: opt.conId, exchange: 'SMART' }, TickByTickDataType.BidAsk, 0, false);
    c.ib.reqTickByTickData(14, { conId: 69067924, exchange: 'SMART' }, TickByTickDataType.BidAsk, 0, false);
    c.ib.reqTickByTickData(15, AAPL, 'Trades' as TickByTickDataType, 0, false);
    c.ib.reqTickByTickData(16, AAPL, TickByTickDataType.BidAsk, 0, false);
    c.ib.reqTickByTickData(17, EURUSD, TickByTickDataType.MidPoint, 0, false);
    c.ib.reqTickByTickData(18, AAPL, TickByTickDataType.MidPoint, 0, false);
    c.ib.cancelTickByTickData(404);
    await ev.fence();
    expect(ev.errorCodes(10)).toEqual([102]);
    expect(ev.errorCodes(11)).toEqual([200]);
    for (const id of [12, 13, 14, 15]) expect(ev.errorCodes(id)).toEqual([10189]);
    const text = (id: number) => ev.errorText(id);
    expect(text(12)).toBe(
      'Failed to request tick-by-tick data.Last tick-by-tick requests are not supported for EUR.USD.',
    );
    expect(text(14)).toBe(
      'Failed to request tick-by-tick data.BidAsk tick-by-tick requests are not supported for XAUUSD.',
    );
    expect(ev.errorCodes(16)).toEqual([]);
    expect(ev.errorCodes(17)).toEqual([]);
    expect(ev.errorCodes(18)).toEqual([10190]);
    expect(text(18)).toBe('Max number of tick-by-tick requests has been reached.');
    expect(ev.errorCodes(404)).toEqual([300]);
    expect(text(404)).toBe("Can't find EId with tickerId:404");
    for (const id of [10, 16, 17]) c.ib.cancelTickByTickData(id);
    c.ib.cancelTickByTickData(18); // refused, so unknown: 300 as from TWS
    await ev.fence();
    expect(ev.errorCodes(18)).toEqual([10190, 300]);
    expect(sim.control.marketDataLines).toBe(0);
  });
});

describe('reqMktDepth', () => {
  test('SMART depth: L2 rows naming exchanges; the best level is the quote; updates keep the book on the quote', async () => {
    const t0 = clock.now();
    c.ib.reqMktDepth(20, AAPL, 5, true, []);
    await ev.fence();
    expect(ev.of(EventName.updateMktDepthL2, 20)).toHaveLength(10);
    const book = { asks: [] as Row[], bids: [] as Row[] };
    const seen = ev.of(EventName.updateMktDepthL2, 20);
    expect(seen.every((e) => e.args[3] === 0 && e.args[7] === true)).toBe(true);
    applyOps(book, seen);
    const q0 = sim.control.quotes.quoteAt(AAPL_ID, t0);
    expect(book.asks[0]).toMatchObject({ price: q0.ask, size: q0.askSize });
    expect(book.bids[0]).toMatchObject({ price: q0.bid, size: q0.bidSize });
    for (let i = 1; i < 5; i++) {
      expect(book.asks[i]?.price).toBeCloseTo((book.asks[i - 1]?.price as number) + 0.01, 10);
      expect(book.bids[i]?.price).toBeCloseTo((book.bids[i - 1]?.price as number) - 0.01, 10);
    }
    for (const row of [...book.asks, ...book.bids]) {
      expect(['NSDQ', 'ARCA', 'BATS', 'IEX', 'NYSE', 'EDGX', 'MEMX', 'BYX']).toContain(row.marketMaker);
      expect(row.size).toBeGreaterThan(0);
    }
    for (const step of [1_000, 2_000, 7_000]) {
      clock.advance(step);
      await ev.fence();
      const rows = ev.of(EventName.updateMktDepthL2, 20);
      applyOps(book, rows.slice(seen.length));
      seen.push(...rows.slice(seen.length));
      const q = sim.control.quotes.quoteAt(AAPL_ID, clock.now());
      expect(book.asks).toHaveLength(5);
      expect(book.bids).toHaveLength(5);
      expect(book.asks[0]).toMatchObject({ price: q.ask, size: q.askSize });
      expect(book.bids[0]).toMatchObject({ price: q.bid, size: q.bidSize });
      expect(book.bids[0]?.price).toBeLessThan(book.asks[0]?.price as number);
    }
    expect(seen.length).toBeGreaterThan(10);
    c.ib.cancelMktDepth(20, true);
    await ev.fence(); // the cancel reaches the sim before the clock moves
    const count = ev.of(EventName.updateMktDepthL2, 20).length;
    clock.advance(2_000);
    await ev.fence();
    expect(ev.of(EventName.updateMktDepthL2, 20)).toHaveLength(count);
  });

  test('ISLAND rows carry market makers (L2); ARCA, a CME future and EUR.USD on IDEALPRO come as MARKET_DEPTH', async () => {
    const es = instrument((i) => i.secType === 'FUT' && i.tradingClass === 'ES' && i.lastTradeDate > '20240312');
    const eur = instrument((i) => i.localSymbol === 'EUR.USD');
    c.ib.reqMktDepth(21, { ...AAPL, exchange: 'ISLAND' }, 3, false, []);
    c.ib.reqMktDepth(22, { ...AAPL, exchange: 'ARCA' }, 3, false, []);
    c.ib.reqMktDepth(23, { conId: es.conId, exchange: 'CME' }, 4, false, []);
    await ev.fence();
    c.ib.cancelMktDepth(21, false);
    c.ib.cancelMktDepth(22, false);
    c.ib.cancelMktDepth(23, false);
    c.ib.reqMktDepth(24, EURUSD, 2, false, []);
    await ev.fence();
    c.ib.cancelMktDepth(24, false);
    const island = ev.of(EventName.updateMktDepthL2, 21);
    expect(island).toHaveLength(6);
    expect(island.every((e) => /^[A-Z]{4}$/.test(e.args[2] as string) && e.args[7] === false)).toBe(true);
    expect(ev.of(EventName.updateMktDepth, 21)).toHaveLength(0);
    expect(ev.of(EventName.updateMktDepth, 22)).toHaveLength(6);
    const fut = ev.of(EventName.updateMktDepth, 23);
    expect(fut).toHaveLength(8);
    const qf = sim.control.quotes.quoteAt(es.conId, clock.now());
    expect(fut.find((e) => e.args[1] === 0 && e.args[3] === 1)?.args[4]).toBe(qf.bid);
    const fx = ev.of(EventName.updateMktDepth, 24);
    const qx = sim.control.quotes.quoteAt(eur.conId, clock.now());
    expect(fx.find((e) => e.args[1] === 0 && e.args[3] === 0)?.args.slice(4, 6)).toEqual([qx.ask, qx.askSize]);
    for (const id of [21, 22, 23, 24]) expect(ev.errorCodes(id)).toEqual([]);
  });

  test('refusals: 10092 no such depth, 309 past three deep books (same security is fine), 102, 200, 310', async () => {
    const es = instrument((i) => i.secType === 'FUT' && i.tradingClass === 'ES' && i.lastTradeDate > '20240312');
    c.ib.reqMktDepth(30, AAPL, 5, false, []); // SMART without SMART depth
    c.ib.reqMktDepth(31, { conId: 416904, exchange: 'CBOE' }, 5, false, []); // an index has no book
    c.ib.reqMktDepth(32, { ...AAPL, exchange: 'NYSE' }, 5, false, []); // NYSE's book is for NYSE listings
    c.ib.reqMktDepth(33, AAPL, 5, true, []);
    c.ib.reqMktDepth(34, { ...AAPL, exchange: 'ISLAND' }, 5, false, []); // same security: no new book
    c.ib.reqMktDepth(35, { conId: es.conId, exchange: 'CME' }, 5, false, []);
    c.ib.reqMktDepth(36, EURUSD, 5, false, []);
    c.ib.reqMktDepth(37, { conId: 756733, exchange: 'SMART' }, 5, true, []); // a fourth security
    c.ib.reqMktDepth(33, AAPL, 5, true, []);
    c.ib.reqMktDepth(38, { symbol: 'NOPE', secType: SecType.STK, exchange: 'SMART' }, 5, true, []);
    c.ib.cancelMktDepth(405, false);
    await ev.fence();
    for (const id of [30, 31, 32]) expect(ev.errorCodes(id)).toEqual([10092]);
    const text = (id: number) => ev.errorText(id);
    expect(text(30)).toBe('Deep market data is not supported for this combination of security type/exchange');
    expect(ev.errorCodes(34)).toEqual([]);
    expect(ev.errorCodes(37)).toEqual([309]);
    expect(text(37)).toBe('Max number (3) of market depth requests has been reached');
    expect(ev.errorCodes(33)).toEqual([102]);
    expect(ev.errorCodes(38)).toEqual([200]);
    expect(ev.errorCodes(405)).toEqual([310]);
    expect(text(405)).toBe("Can't find the subscribed market depth with tickerId:405");
    expect(sim.control.marketDataLines).toBe(4);
    c.ib.cancelMktDepth(36, false);
    c.ib.reqMktDepth(39, { conId: 756733, exchange: 'SMART' }, 5, true, []);
    await ev.fence();
    expect(ev.errorCodes(39)).toEqual([]);
    expect(ev.of(EventName.updateMktDepthL2, 39)).toHaveLength(10);
    for (const id of [33, 34, 35, 39]) c.ib.cancelMktDepth(id, false);
    await ev.fence();
    expect(sim.control.marketDataLines).toBe(0);
  });

  test('reqMktDepthExchanges lists the depth venues', async () => {
    c.ib.reqMktDepthExchanges();
    await ev.until(() => ev.all.some((e) => e.event === EventName.mktDepthExchanges), 'mktDepthExchanges');
    const list = ev.all.find((e) => e.event === EventName.mktDepthExchanges)?.args[0] as Array<Record<string, unknown>>;
    expect(list).toContainEqual({
      exchange: 'ISLAND',
      secType: 'STK',
      listingExch: '',
      serviceDataType: 'Deep2',
      aggGroup: 1,
    });
    expect(list).toContainEqual({
      exchange: 'CME',
      secType: 'FUT',
      listingExch: '',
      serviceDataType: 'Deep',
      aggGroup: undefined,
    });
    expect(list.map((d) => d.exchange)).toEqual(expect.arrayContaining(['ARCA', 'IDEALPRO']));
  });
});

describe('shared budget', () => {
  test('a closed connection gives back its lines, tick-by-tick and deep-book slots', async () => {
    const other = await connectClient(sim.port, 2);
    const otherEv = new Events(other);
    other.ib.reqTickByTickData(1, AAPL, TickByTickDataType.Last, 0, false);
    other.ib.reqTickByTickData(2, AAPL, TickByTickDataType.BidAsk, 0, false);
    other.ib.reqTickByTickData(3, EURUSD, TickByTickDataType.MidPoint, 0, false);
    other.ib.reqMktDepth(4, AAPL, 3, true, []);
    other.ib.reqMktDepth(5, EURUSD, 3, false, []);
    other.ib.reqMktDepth(6, { conId: 756733, exchange: 'SMART' }, 3, true, []);
    await otherEv.fence();
    expect(otherEv.all.filter((e) => e.event === EventName.error)).toEqual([]);
    expect(sim.control.marketDataLines).toBe(6);
    c.ib.reqTickByTickData(40, AAPL, TickByTickDataType.Last, 0, false);
    c.ib.reqMktDepth(41, { conId: 320227571, exchange: 'SMART' }, 3, true, []);
    await ev.fence();
    expect(ev.errorCodes(40)).toEqual([10190]);
    expect(ev.errorCodes(41)).toEqual([309]);
    other.close();
    // The sim notices the closed socket on its own: poll its counter, with a deadline.
    await vi.waitFor(() => expect(sim.control.marketDataLines).toBe(0), { timeout: 5_000, interval: 5 });
    c.ib.reqTickByTickData(42, AAPL, TickByTickDataType.Last, 0, false);
    c.ib.reqMktDepth(43, { conId: 320227571, exchange: 'SMART' }, 3, true, []);
    await ev.fence();
    expect(ev.errorCodes(42)).toEqual([]);
    expect(ev.errorCodes(43)).toEqual([]);
    c.ib.cancelTickByTickData(42);
    c.ib.cancelMktDepth(43, true);
    await ev.fence();
    expect(sim.control.marketDataLines).toBe(0);
  });

  test('@stoqey/ib decoded every message: no 505 (leftover/missing field) and no 320', () => {
    const codes = c.errors.map((e) => e.code);
    expect(codes).not.toContain(505);
    expect(codes).not.toContain(320);
    expect(c.errors.filter((e) => e.message.includes('Decoding') || e.message.includes('Underrun'))).toEqual([]);
  });
});

describe('market-data line budget', () => {
  test('tick-by-tick and depth take lines: 101 past the budget', async () => {
    const small = await startTestSim({ maxMarketDataLines: 2 });
    const client = await connectClient(small.port, 1);
    const events = new Events(client);
    try {
      client.ib.reqTickByTickData(1, AAPL, TickByTickDataType.BidAsk, 0, false);
      client.ib.reqMktDepth(2, AAPL, 3, true, []);
      client.ib.reqTickByTickData(3, AAPL, TickByTickDataType.Last, 0, false);
      client.ib.reqMktDepth(4, AAPL, 3, true, []);
      await events.fence();
      expect(events.errorCodes(1)).toEqual([]);
      expect(events.errorCodes(2)).toEqual([]);
      expect(events.errorCodes(3)).toEqual([101]);
      expect(events.errorCodes(4)).toEqual([101]);
      expect(small.control.marketDataLines).toBe(2);
    } finally {
      client.close();
      await small.stop();
    }
  });
});

const RAW_AAPL = ['265598', '', '', '', '', '', '', 'SMART', '', '', '', ''];
const RAW_ARCA = ['265598', '', '', '', '', '', '', 'ARCA', '', '', '', ''];
const RAW_EUR = ['0', 'EUR', 'CASH', '', '0.0', '', '', 'IDEALPRO', '', 'USD', '', ''];

describe.each(['v100..193', 'v157..176'])('golden field counts (client %s)', (versions) => {
  test('TICK_BY_TICK 9/9/5, MARKET_DEPTH 8, MARKET_DEPTH_L2 10, MKT_DEPTH_EXCHANGES 2 + 5n', async () => {
    const raw = await RawClient.started(sim.port, versions === 'v100..193' ? 11 : 12, versions);
    raw.send(['97', '50', ...RAW_AAPL, 'Last', '3', '0']);
    raw.send(['97', '51', ...RAW_AAPL, 'BidAsk', '0', '1']);
    raw.send(['97', '52', ...RAW_EUR, 'MidPoint', '0', '0']); // ib_async's contract form ("0.0" strike)
    raw.send(['10', '5', '53', ...RAW_AAPL, '3', '1', '']);
    raw.send(['10', '5', '54', ...RAW_ARCA, '3', '0', '']);
    raw.send(['82']);
    raw.send(['98', '406']);
    raw.send(['11', '1', '407', '0']);
    for (const id of ['50', '51', '52']) raw.send(['98', id]);
    for (const id of ['53', '54']) raw.send(['11', '1', id, '0']);
    raw.send(['49', '1']);
    await raw.waitFor((m) => m[0] === '49', 'currentTime');
    const of = (id: string) => raw.messages.filter((m) => m[0] === id);
    const tbt = of('99');
    expect(tbt.filter((m) => m[2] === '1').map((m) => m.length)).toEqual([9, 9, 9]);
    expect(tbt.filter((m) => m[2] === '3').map((m) => m.length)).toEqual([9]);
    expect(tbt.filter((m) => m[2] === '4').map((m) => m.length)).toEqual([5]);
    for (const m of tbt) expect(m[3]).toMatch(/^\d+$/); // ib_async int()s the time
    expect(of('13')).toHaveLength(6);
    expect(new Set(of('13').map((m) => m.length))).toEqual(new Set([10]));
    expect(of('12')).toHaveLength(6);
    expect(new Set(of('12').map((m) => m.length))).toEqual(new Set([8]));
    const [exchanges] = of('80');
    expect(exchanges?.length).toBe(2 + 5 * Number(exchanges?.[1]));
    for (let i = 0; i < Number(exchanges?.[1]); i++) expect(exchanges?.[2 + 5 * i + 4]).toMatch(/^\d+$/);
    const errors = of('4')
      .filter((m) => m[2] !== '-1')
      .map((m) => [m[2], m[3], m.length]);
    expect(errors).toEqual([
      ['406', '300', 6],
      ['407', '310', 6],
    ]);
    raw.close();
  });
});
