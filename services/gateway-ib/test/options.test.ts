/**
 * Option chains and greeks through gateway-ib against ib-sim over TCP: `broker.<name>.cmd.optionChain` answers
 * the broker-neutral chain (cached per underlying), and an option's quote stream carries `greeks`.
 */

import type { BrokerMdSubscribeReply, OptionChainReply, QualifyContractReply, Tick } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Harness, nextMessage, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

const chainOf = (body: object) =>
  h.bus.request<OptionChainReply>(
    Subjects.brokerCommand.build({ broker: h.broker, verb: 'optionChain' }),
    { v: 1, ...body },
    { timeoutMs: 5_000 },
  );

describe('option chain', () => {
  test('expirations and strikes per exchange, the union over them, cached per underlying', async () => {
    const r = await chainOf({ underlying: { secType: 'STK', symbol: 'AAPL', currency: 'USD' } });
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    const { chain } = r;
    expect(chain.underlying).toMatchObject({ id: '265598', symbol: 'AAPL', secType: 'STK' });
    expect(chain.listings.map((l) => l.exchange)).toContain('SMART');
    expect(chain.listings.every((l) => l.tradingClass === 'AAPL' && l.multiplier === '100')).toBe(true);
    expect(chain.expirations.length).toBeGreaterThanOrEqual(6);
    expect(chain.expirations).toEqual([...chain.expirations].sort());
    expect(chain.strikes).toHaveLength(17);
    expect(chain.strikes.every((k) => /^\d+(\.\d+)?$/.test(k))).toBe(true);
    const chains = h.gateway.broker(h.broker)?.optionChains;
    const calls = chains?.ibRequests;
    const again = await chainOf({ underlying: { id: '265598' } });
    expect(again.ok && again.chain.tsMs).toBe(chain.tsMs);
    expect(chains?.ibRequests).toBe(calls);
    const cboe = await chainOf({ underlying: { id: '265598' }, exchange: 'CBOE' });
    expect(cboe.ok && cboe.chain.listings.map((l) => l.exchange)).toEqual(['CBOE']);
  });

  test('no options listed: an empty chain; an unknown underlying: CONTRACT_UNKNOWN', async () => {
    const spx = await chainOf({ underlying: { secType: 'IND', symbol: 'SPX' } });
    expect(spx.ok && spx.chain.listings).toEqual([]);
    expect(await chainOf({ underlying: { secType: 'STK', symbol: 'NOSUCH', currency: 'USD' } })).toMatchObject({
      ok: false,
      code: 'CONTRACT_UNKNOWN',
    });
  });
});

describe('greeks on the quote stream', () => {
  test('an option line publishes iv, delta, gamma, vega, theta and the underlying price with its quote', async () => {
    const r = await chainOf({ underlying: { id: '265598' } });
    if (!r.ok) throw new Error(r.message);
    const expiry = r.chain.expirations[2] as string;
    const strike = r.chain.strikes[8] as string;
    const q = await h.bus.request<QualifyContractReply>(
      Subjects.brokerCommand.build({ broker: h.broker, verb: 'qualifyContract' }),
      { v: 1, instrument: { secType: 'OPT', symbol: 'AAPL', expiry, strike, right: 'P', exchange: 'SMART' } },
      { timeoutMs: 5_000 },
    );
    if (!q.ok) throw new Error(q.message);
    const option = q.instruments[0];
    expect(option).toMatchObject({ secType: 'OPT', expiry, right: 'P', multiplier: '100' });
    const instrumentId = option?.id as string;
    const tick = nextMessage<Tick>(
      h.bus,
      Subjects.mdTick.build({ broker: h.broker, instrument: instrumentId }),
      (t) => t.greeks?.delta !== undefined && t.greeks.bidIv !== undefined && t.bid !== undefined,
    );
    const sub = await h.bus.request<BrokerMdSubscribeReply>(
      Subjects.brokerCommand.build({ broker: h.broker, verb: 'mdSubscribe' }),
      { v: 1, instrument: { id: instrumentId }, streams: ['ticks'] },
      { timeoutMs: 5_000 },
    );
    expect(sub.ok).toBe(true);
    const t = await tick;
    const g = t.greeks ?? {};
    expect(g.delta).toBeLessThan(0);
    expect(g.delta).toBeGreaterThan(-1);
    expect(g.iv).toBeGreaterThan(0.1);
    expect(g.gamma).toBeGreaterThan(0);
    expect(g.vega).toBeGreaterThan(0);
    expect(g.theta).toBeLessThan(0);
    expect(Math.abs((g.underlyingPrice as number) - Number(strike))).toBeLessThan(10);
    expect(g.modelPrice).toBeGreaterThan(0);
    expect(g.askIv as number).toBeGreaterThan(g.bidIv as number);
  });
});
