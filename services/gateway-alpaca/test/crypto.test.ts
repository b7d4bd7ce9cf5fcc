/**
 * Crypto at Alpaca (announced as asset class CRYPTO): pairs named as Alpaca names them (`BTC/USD`), fractional
 * quantities, MKT/LMT/STP LMT with GTC or IOC only (Alpaca's rules for crypto), positions reported under the pair's
 * symbol (Alpaca lists them as BTCUSD), and a latest-quote snapshot from the crypto data API; on alpaca-sim.
 */
import { type Instrument, Subjects, type Tick } from '@trading-system/contracts';
import { BrokerClient } from '@trading-system/testkit/conformance';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ACCOUNT, startHarness } from './helpers.js';

let h: Awaited<ReturnType<typeof startHarness>>;
let c: BrokerClient;
let btc: Instrument;
beforeAll(async () => {
  h = await startHarness();
  c = new BrokerClient(h.bus, h.broker);
  await c.record();
  await c.waitUntil(() => c.all('reconciliationSnapshot')[0], 'the snapshot after the first connect');
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
  instrument: { conId: btc.conId },
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
  expect(x.execution).toMatchObject({ quantity: '0.015', cumQty: '0.015', conId: btc.conId });
  const p = await c.command('positions', { v: 1 });
  if (!p.ok) throw new Error('no positions');
  expect(p.positions.find((x) => x.conId === btc.conId)).toMatchObject({
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
  const r = await c.command('mdSnapshot', { v: 1, instrument: { conId: btc.conId } });
  if (!r.ok) throw new Error(`mdSnapshot: ${r.code} ${r.message}`);
  expect(Number(r.tick.ask)).toBeGreaterThan(Number(r.tick.bid));
  expect(Number(r.tick.bid)).toBeGreaterThan(1_000);
});

test('crypto history is refused as not served yet, naming the pair', async () => {
  const now = Date.now();
  const h1 = await c.command('fetchHistory', {
    v: 1,
    requestId: 'btc-hist-1',
    instrument: { conId: btc.conId },
    timeframe: '1h',
    whatToShow: 'TRADES',
    useRth: false,
    startMs: now - 86_400_000,
    endMs: now,
  });
  expect(h1).toMatchObject({ ok: false, code: 'SERVICE_UNAVAILABLE' });
});

test('BTC/USD quotes stream on the crypto data stream: ticks after mdSubscribe', async () => {
  const ticks: Tick[] = [];
  const sub = h.bus.subscribe<Tick>(Subjects.mdTick.build({ broker: h.broker, instrument: btc.conId }), (m) => {
    ticks.push(m.data);
  });
  try {
    const md = await c.command('mdSubscribe', { v: 1, instrument: { conId: btc.conId }, streams: ['ticks'] });
    expect(md).toMatchObject({ ok: true });
    // Quotes (bid/ask) and trades (last) of the pair, at a bitcoin's price.
    await vi.waitFor(() => expect(ticks.some((t) => Number(t.ask ?? t.last) > 1_000)).toBe(true), { timeout: 10_000 });
    expect(
      await c.command('mdUnsubscribe', { v: 1, instrument: { conId: btc.conId }, streams: ['ticks'] }),
    ).toMatchObject({ ok: true });
  } finally {
    sub.unsubscribe();
  }
});
