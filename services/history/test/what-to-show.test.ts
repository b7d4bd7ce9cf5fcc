/**
 * Issue 14.6: forex and spot metals have no TRADES at IB. hist.bars without whatToShow gets the instrument's
 * default (MIDPOINT for CASH and CMDTY), `EUR.USD` / `EURUSD` / `XAUUSD` typed as plain symbols resolve to the pair
 * and the metal, and an explicitly requested type the broker has no data of is a typed error naming the types
 * that work — never 0 bars marked partial. Over real sockets: history → NATS → gateway-ib → TCP → ib-sim.
 */
import { randomUUID } from 'node:crypto';
import { fetchBars } from '@trading-system/clients';
import { type FetchHistoryReply, type HistBarsQuery, type InstrumentRef, Subjects } from '@trading-system/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SimStack, startSimStack } from './sim-stack.js';

/** Tuesday 2024-03-12 11:00 New York: forex and metals trade. */
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');

let stack: SimStack;
beforeAll(async () => {
  stack = await startSimStack({ simAtMs: TUESDAY_1100_ET });
}, 30_000);
afterAll(async () => {
  await stack?.close();
});

const query = (instrument: InstrumentRef, over: Partial<HistBarsQuery> = {}): HistBarsQuery => ({
  broker: stack.broker,
  instrument,
  barSize: '5 mins',
  useRth: false,
  cachedOnly: false,
  startMs: TUESDAY_1100_ET - 2 * 3_600_000,
  endMs: TUESDAY_1100_ET,
  ...over,
});
/** What the SDK and CLI send for a bare symbol: a stock description routed SMART in USD. */
const asTyped = (symbol: string): InstrumentRef => ({ secType: 'STK', symbol, exchange: 'SMART', currency: 'USD' });

describe('whatToShow defaults and symbol forms', () => {
  test('EUR.USD and EURUSD as plain symbols are the forex pair, with MIDPOINT bars by default', async () => {
    const dotted = await fetchBars(stack.nats.bus, query(asTyped('EUR.USD')));
    expect(dotted.instrument?.secType).toBe('CASH');
    expect(dotted.instrument?.localSymbol).toBe('EUR.USD');
    expect(dotted.partial).toBe(false);
    expect(dotted.bars).toHaveLength(24);
    // Quotes have no volume: IB (and ib-sim) send -1, which is no volume at all.
    expect(dotted.bars.every((b) => b.volume === '0')).toBe(true);

    const plain = await fetchBars(stack.nats.bus, query(asTyped('EURUSD')));
    expect(plain.instrument?.id).toBe(dotted.instrument?.id);
    expect(plain.bars).toEqual(dotted.bars);

    const explicit = await fetchBars(stack.nats.bus, query(asTyped('EUR.USD'), { whatToShow: 'MIDPOINT' }));
    expect(explicit.bars).toEqual(dotted.bars);

    // IB's own form, with no whatToShow: was TRADES by default, answered with 0 bars and `partial`.
    const ibForm = await fetchBars(
      stack.nats.bus,
      query({ secType: 'CASH', symbol: 'EUR', currency: 'USD', exchange: 'IDEALPRO' }),
    );
    expect(ibForm.partial).toBe(false);
    expect(ibForm.bars).toEqual(dotted.bars);
  }, 30_000);

  test('XAUUSD is the spot-metal CMDTY, with MIDPOINT bars by default', async () => {
    const gold = await fetchBars(stack.nats.bus, query(asTyped('XAUUSD')));
    expect(gold.instrument?.secType).toBe('CMDTY');
    expect(gold.partial).toBe(false);
    expect(gold.bars.length).toBeGreaterThan(0);
  }, 30_000);

  test('a stock still gets TRADES by default', async () => {
    const aapl = await fetchBars(stack.nats.bus, query(asTyped('AAPL')));
    const trades = await fetchBars(stack.nats.bus, query(asTyped('AAPL'), { whatToShow: 'TRADES' }));
    expect(aapl.bars.length).toBeGreaterThan(0);
    expect(aapl.bars).toEqual(trades.bars);
    expect(aapl.bars.some((b) => b.volume !== '0')).toBe(true);
  }, 30_000);

  test('TRADES asked explicitly for forex is a typed error naming the types that work, not an empty success', async () => {
    const err = await fetchBars(stack.nats.bus, query(asTyped('EUR.USD'), { whatToShow: 'TRADES' })).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string; hint?: string },
    );
    expect(err?.code).toBe('HISTORY_DATA_TYPE_REFUSED');
    expect(err?.message).toMatch(/MIDPOINT, BID, ASK, BID_ASK/);
    expect(err?.hint).toMatch(/details\.supported|leave whatToShow out/);
  }, 30_000);

  test("the gateway turns IB's refusal of a whatToShow into the same typed error", async () => {
    const pair = await fetchBars(stack.nats.bus, query(asTyped('EUR.USD')));
    const instrumentId = pair.instrument?.id as string;
    const reply = await stack.nats.bus.request<FetchHistoryReply>(
      Subjects.brokerCommand.build({ broker: stack.broker, verb: 'fetchHistory' }),
      {
        v: 1,
        requestId: randomUUID(),
        instrument: { id: instrumentId },
        startMs: TUESDAY_1100_ET - 3_600_000,
        endMs: TUESDAY_1100_ET,
        timeframe: '5m',
        whatToShow: 'TRADES',
        useRth: false,
      },
      { timeoutMs: 10_000 },
    );
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.code).toBe('HISTORY_DATA_TYPE_REFUSED');
    expect(reply.details?.supported).toEqual(['MIDPOINT', 'BID', 'ASK', 'BID_ASK']);
    expect(reply.details?.brokerCode).toBe(162);
  }, 30_000);
});
