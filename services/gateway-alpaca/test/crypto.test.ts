/**
 * Crypto at Alpaca (announced as asset class CRYPTO): pairs named as Alpaca names them (`BTC/USD`), fractional
 * quantities, MKT/LMT/STP LMT with GTC or IOC only (Alpaca's rules for crypto), positions reported under the pair's
 * symbol (Alpaca lists them as BTCUSD), a latest-quote snapshot and history (around the clock, fractional volume)
 * from the crypto data API; on alpaca-sim.
 */
import { DEFAULT_CREDENTIALS } from '@trading-system/alpaca-sim';
import { type Instrument, normalizeDecimal, Subjects, type Tick } from '@trading-system/contracts';
import type { BrokerClient } from '@trading-system/testkit/conformance';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { AlpacaHttpPort } from '../src/alpaca-port.js';
import { RequestGovernor } from '../src/governor.js';
import { decimalText } from '../src/history.js';
import type { AlpacaBar } from '../src/wire.js';
import { ACCOUNT, type startHarness, startRecordedHarness } from './helpers.js';

let h: Awaited<ReturnType<typeof startHarness>>;
let c: BrokerClient;
let btc: Instrument;
beforeAll(async () => {
  ({ h, c } = await startRecordedHarness());
  const r = await c.command('qualifyContract', { v: 1, instrument: { secType: 'CRYPTO', symbol: 'BTC/USD' } });
  if (!r.ok || r.instruments[0] === undefined) throw new Error(`BTC/USD not qualified: ${JSON.stringify(r)}`);
  btc = r.instruments[0];
}, 30_000);
afterAll(async () => {
  await c?.stop();
  await h?.stop();
});

const order = (clientOrderId: string, o: { orderType: 'MKT' | 'LMT' | 'STP'; tif: 'GTC' | 'IOC' | 'DAY' }) => ({
  v: 1 as const,
  clientOrderId,
  account: ACCOUNT,
  instrument: { id: btc.id },
  side: 'BUY' as const,
  quantity: '0.015',
  ...o,
  ...(o.orderType === 'STP' ? { stopPrice: '1000000' } : {}),
  outsideRth: false,
});

test('BTC/USD qualifies as CRYPTO in USD with fractional steps; the status announces CRYPTO', async () => {
  expect(btc).toMatchObject({ secType: 'CRYPTO', symbol: 'BTC/USD', currency: 'USD', exchange: 'ALPACA' });
  expect(Number(btc.sizeIncrement)).toBeLessThan(1);
  const s = await c.command('status', { v: 1 });
  if (!s.ok) throw new Error('no status');
  expect(s.status.capabilities?.assetClasses).toContain('CRYPTO');
  expect(s.status.capabilities?.fractionalQuantity).toContain('CRYPTO');
  // A stock symbol asked as crypto is not one.
  expect(await c.command('qualifyContract', { v: 1, instrument: { secType: 'CRYPTO', symbol: 'AAPL' } })).toMatchObject(
    { ok: false, code: 'CONTRACT_UNKNOWN' },
  );
});

test('a fractional GTC market order on BTC/USD fills; the position is BTC/USD, CRYPTO, 0.015', async () => {
  expect(await c.command('placeOrder', order('btc-gtc-1', { orderType: 'MKT', tif: 'GTC' }))).toMatchObject({
    ok: true,
  });
  const x = await c.waitFor('execution', (e) => e.execution.clientOrderId === 'btc-gtc-1', 'the fill');
  expect(x.execution).toMatchObject({ quantity: '0.015', cumQty: '0.015', instrumentId: btc.id });
  const p = await c.command('positions', { v: 1 });
  if (!p.ok) throw new Error('no positions');
  expect(p.positions.find((x) => x.instrumentId === btc.id)).toMatchObject({
    symbol: 'BTC/USD',
    secType: 'CRYPTO',
    quantity: '0.015',
  });
});

test('crypto orders are GTC or IOC, MKT/LMT/STP LMT: DAY and STP are refused before reaching Alpaca', async () => {
  expect(await c.command('placeOrder', order('btc-day-1', { orderType: 'MKT', tif: 'DAY' }))).toMatchObject({
    ok: false,
    code: 'ORDER_TYPE_UNSUPPORTED',
  });
  expect(await c.command('placeOrder', order('btc-stp-1', { orderType: 'STP', tif: 'GTC' }))).toMatchObject({
    ok: false,
    code: 'ORDER_TYPE_UNSUPPORTED',
  });
  expect(h.sim.control.broker.byClientOrderId('btc-day-1')).toBeUndefined();
});

test('mdSnapshot of BTC/USD: a quote from the crypto data API', async () => {
  const r = await c.command('mdSnapshot', { v: 1, instrument: { id: btc.id } });
  if (!r.ok) throw new Error(`mdSnapshot: ${r.code} ${r.message}`);
  expect(Number(r.tick.ask)).toBeGreaterThan(Number(r.tick.bid));
  expect(Number(r.tick.bid)).toBeGreaterThan(1_000);
});

test('fetchHistory of BTC/USD: 1-minute bars from the crypto data API through a Friday night and Saturday', async () => {
  // After the stock close on Friday (21:00 UTC) into Saturday: stocks have no bar here, the pair has every minute.
  const startMs = Date.parse('2024-03-08T21:00:00Z');
  const endMs = Date.parse('2024-03-09T21:00:00Z');
  const r = await c.command('fetchHistory', {
    v: 1,
    requestId: 'btc-hist-1',
    instrument: { id: btc.id },
    timeframe: '1m',
    whatToShow: 'TRADES',
    useRth: false,
    startMs,
    endMs,
  });
  if (!r.ok) throw new Error(`fetchHistory refused: ${JSON.stringify(r)}`);
  expect(r.bars).toHaveLength(1_440);
  expect(r.bars.map((b) => b.tsStartMs)).toEqual(Array.from({ length: 1_440 }, (_, i) => startMs + i * 60_000));
  expect(r.bars.every((b) => b.tsEndMs === b.tsStartMs + 60_000 && !b.gap)).toBe(true);
  // Coins, not shares: fractional volumes arrive as the decimals the data API sent.
  expect(r.bars.some((b) => b.volume.includes('.'))).toBe(true);
  const s = await c.command('status', { v: 1 });
  if (!s.ok) throw new Error('no status');
  expect(s.status.capabilities?.history?.assetClasses).toContain('CRYPTO');
  expect(s.status.capabilities?.history?.bars.map((b) => b.timeframe)).toContain('1m');
});

test("the port pages the crypto bars API over a whole weekend, every minute once, Alpaca's volume digits kept", async () => {
  const port = new AlpacaHttpPort({
    tradingUrl: h.sim.baseUrl,
    dataUrl: h.sim.baseUrl,
    keys: DEFAULT_CREDENTIALS,
    governor: new RequestGovernor(1_000),
  });
  const from = Date.parse('2024-03-08T00:00:00Z'); // a Friday
  const to = Date.parse('2024-03-11T00:00:00Z'); // the Monday after
  const q = { timeframe: '1Min', start: new Date(from).toISOString(), end: new Date(to).toISOString(), limit: 1_000 };
  const bars: AlpacaBar[] = [];
  let pages = 0;
  let next: string | undefined;
  do {
    const page = await port.cryptoBars('BTC/USD', next === undefined ? q : { ...q, pageToken: next });
    bars.push(...page.bars);
    next = page.next;
    pages += 1;
  } while (next !== undefined);
  const minutes = (to - from) / 60_000 + 1; // Alpaca's end is inclusive
  expect(pages).toBe(Math.ceil(minutes / 1_000));
  expect(bars.map((b) => Date.parse(b.t))).toEqual(Array.from({ length: minutes }, (_, i) => from + i * 60_000));
  for (const b of bars) expect(decimalText(b.v)).toBe(normalizeDecimal(String(b.v)));
});

test("decimalText keeps the digits sent and rounds only past the contract's 12 places", () => {
  expect(decimalText(0.0123456)).toBe('0.0123456');
  expect(decimalText(12.3456789)).toBe('12.3456789');
  expect(decimalText(62345.123456789)).toBe('62345.123456789');
  expect(decimalText(1.5e-7)).toBe('0.00000015');
  expect(decimalText(0.1234567890123456)).toBe('0.123456789012');
  expect(decimalText(42)).toBe('42');
});

test('BTC/USD quotes stream on the crypto data stream: ticks after mdSubscribe', async () => {
  const ticks: Tick[] = [];
  const sub = h.bus.subscribe<Tick>(Subjects.mdTick.build({ broker: h.broker, instrument: btc.id }), (m) => {
    ticks.push(m.data);
  });
  try {
    const md = await c.command('mdSubscribe', { v: 1, instrument: { id: btc.id }, streams: ['ticks'] });
    expect(md).toMatchObject({ ok: true });
    // Quotes (bid/ask) and trades (last) of the pair, at a bitcoin's price.
    await vi.waitFor(() => expect(ticks.some((t) => Number(t.ask ?? t.last) > 1_000)).toBe(true), { timeout: 10_000 });
    expect(await c.command('mdUnsubscribe', { v: 1, instrument: { id: btc.id }, streams: ['ticks'] })).toMatchObject({
      ok: true,
    });
  } finally {
    sub.unsubscribe();
  }
});
