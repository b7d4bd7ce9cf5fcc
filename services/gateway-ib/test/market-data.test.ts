import type {
  Bar,
  BrokerMdSnapshotReply,
  BrokerMdSubscribeReply,
  BrokerMdUnsubscribeReply,
  BrokerStatus,
  FeedHealth,
  QualifyContractReply,
  Tick,
  Trade,
} from '@trading-system/contracts';
import { Subjects, Trade as TradeSchema } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AAPL, type Harness, nextMessage, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    connection: { marketDataLines: 3 },
    brokerOptions: { marketData: { staleAfterMs: 400, checkEveryMs: 50 } },
  });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

const cmd = (verb: 'qualifyContract' | 'mdSubscribe' | 'mdUnsubscribe') =>
  Subjects.brokerCommand.build({ broker: h.broker, verb });
const qualify = (body: object) =>
  h.bus.request<QualifyContractReply>(cmd('qualifyContract'), { v: 1, ...body }, { timeoutMs: 5_000 });
const subscribe = (instrumentId: string, streams: string[] = ['ticks']) =>
  h.bus.request<BrokerMdSubscribeReply>(
    cmd('mdSubscribe'),
    { v: 1, instrument: { id: instrumentId }, streams },
    { timeoutMs: 5_000 },
  );
const unsubscribe = (instrumentId: string, streams: string[] = ['ticks']) =>
  h.bus.request<BrokerMdUnsubscribeReply>(
    cmd('mdUnsubscribe'),
    { v: 1, instrument: { id: instrumentId }, streams },
    { timeoutMs: 5_000 },
  );
const simLines = () => h.sim.control.sessions().flatMap((s) => s.marketDataTickerIds).length;
const tickSubject = (instrumentId: string) => Subjects.mdTick.build({ broker: h.broker, instrument: instrumentId });
const tradeSubject = (instrumentId: string) => Subjects.mdTrade.build({ broker: h.broker, instrument: instrumentId });

describe('contracts', () => {
  test('a description qualifies to one instrument, cached by id afterwards', async () => {
    const cache = h.gateway.broker(h.broker)?.contracts;
    const r = await qualify({ instrument: { secType: 'STK', symbol: 'AAPL', exchange: 'SMART', currency: 'USD' } });
    expect(r).toMatchObject({ ok: true, instruments: [{ id: AAPL, symbol: 'AAPL', secType: 'STK' }] });
    const calls = cache?.ibRequests;
    const again = await qualify({ instrument: { id: AAPL } });
    expect(again).toMatchObject({ ok: true, instruments: [{ id: AAPL }] });
    const same = await qualify({ instrument: { currency: 'USD', exchange: 'SMART', symbol: 'AAPL', secType: 'STK' } });
    expect(same.ok).toBe(true);
    expect(cache?.ibRequests).toBe(calls);
  });

  test('unknown → CONTRACT_UNKNOWN; several matches → CONTRACT_AMBIGUOUS with candidates, or all with allowMany', async () => {
    expect(await qualify({ instrument: { secType: 'STK', symbol: 'NOSUCH', currency: 'USD' } })).toMatchObject({
      ok: false,
      code: 'CONTRACT_UNKNOWN',
    });
    expect(await qualify({ instrument: { id: '999999999' } })).toMatchObject({
      ok: false,
      code: 'CONTRACT_UNKNOWN',
    });
    // An id no IB gateway assigned (an Alpaca asset UUID) is refused before anything is sent to IB.
    const cache = h.gateway.broker(h.broker)?.contracts;
    const asked = cache?.ibRequests;
    expect(await qualify({ instrument: { id: '61e69015-8549-4bfd-b9c3-01e75843f47d' } })).toMatchObject({
      ok: false,
      code: 'CONTRACT_UNKNOWN',
    });
    expect(cache?.ibRequests).toBe(asked);
    const amb = await qualify({ instrument: { secType: 'FUT', symbol: 'ES' } });
    expect(amb).toMatchObject({ ok: false, code: 'CONTRACT_AMBIGUOUS' });
    const candidates = (amb as { details?: { candidates?: unknown[] } }).details?.candidates ?? [];
    expect(candidates.length).toBeGreaterThan(1);
    const many = await qualify({ instrument: { secType: 'FUT', symbol: 'ES' }, allowMany: true });
    expect(many.ok && many.instruments.length).toBe(candidates.length);
  });
});

describe('market data', () => {
  test('three consumers of one instrument cost one IB line; ticks flow; the line closes with the last one', async () => {
    const first = nextMessage<Tick>(h.bus, tickSubject(AAPL), (t) => t.bid !== undefined && t.ask !== undefined);
    const replies = await Promise.all([subscribe(AAPL), subscribe(AAPL), subscribe(AAPL)]);
    for (const r of replies)
      expect(r).toMatchObject({ ok: true, subjects: [tickSubject(AAPL), tradeSubject(AAPL)], delayed: false });
    const t = await first;
    expect(Number(t.ask)).toBeGreaterThan(Number(t.bid));
    expect(t).toMatchObject({ broker: h.broker, instrumentId: AAPL, delayed: false });
    expect(t.tsInitMs).toBeGreaterThanOrEqual(t.tsEventMs - 1_000);
    expect(simLines()).toBe(1);
    const md = h.gateway.broker(h.broker)?.marketData;
    expect(md?.refs(AAPL)).toEqual({ ticks: 3, rtbars: 0 });
    await unsubscribe(AAPL);
    await unsubscribe(AAPL);
    expect(simLines()).toBe(1);
    await unsubscribe(AAPL);
    await until(() => simLines() === 0, 2_000, 'IB line cancelled');
    expect(md?.linesInUse).toBe(0);
  });

  test('every RTVolume trade is published on md.trade at once, exact, with its exchange time; the quote state follows', async () => {
    const trades: Trade[] = [];
    const ticks: Tick[] = [];
    const subs = [
      h.bus.subscribe<Trade>(tradeSubject(AAPL), (m) => void trades.push(m.data)),
      h.bus.subscribe<Tick>(tickSubject(AAPL), (m) => void ticks.push(m.data)),
    ];
    try {
      expect((await subscribe(AAPL)).ok).toBe(true);
      await until(() => trades.length >= 3, 10_000, 'three trades');
      for (const t of trades) {
        expect(TradeSchema.parse(t)).toEqual(t);
        expect(t).toMatchObject({ broker: h.broker, instrumentId: AAPL, delayed: false });
        expect(Number(t.size)).toBeGreaterThan(0);
        expect(t.tsInitMs).toBeGreaterThanOrEqual(t.tsEventMs);
      }
      // the session volume after each trade rises by the trade's size (ib-sim: one trade per second)
      for (let i = 1; i < trades.length; i++) {
        const [a, b] = [trades[i - 1], trades[i]];
        if (a?.volume !== undefined && b?.volume !== undefined)
          expect(Number(b.volume)).toBeGreaterThanOrEqual(Number(a.volume));
      }
      // each trade is merged into the quote state as its last price
      const last = trades.at(-1);
      await until(() => ticks.some((t) => t.last === last?.price), 5_000, 'the quote state to carry the last trade');
    } finally {
      for (const s of subs) s.unsubscribe();
      await unsubscribe(AAPL);
    }
    const n = h.gateway.broker(h.broker)?.marketData.tradesPublished ?? 0;
    expect(n).toBeGreaterThanOrEqual(3);
  });

  test('the line budget is enforced before anything is sent', async () => {
    const ids = await qualify({ instrument: { secType: 'STK', symbol: 'MSFT' } });
    const spy = await qualify({ instrument: { secType: 'STK', symbol: 'SPY' } });
    const msft = ids.ok ? (ids.instruments[0]?.id ?? '') : '';
    const spyId = spy.ok ? (spy.instruments[0]?.id ?? '') : '';
    expect((await subscribe(AAPL)).ok).toBe(true);
    expect((await subscribe(msft)).ok).toBe(true);
    expect((await subscribe(spyId)).ok).toBe(true);
    const over = await subscribe('15016059'); // USD.JPY
    expect(over).toMatchObject({ ok: false, code: 'LINE_BUDGET_EXHAUSTED' });
    expect(simLines()).toBe(3);
    // A second consumer of an open line costs nothing and is accepted.
    expect((await subscribe(AAPL)).ok).toBe(true);
    await unsubscribe(AAPL);
    await unsubscribe(msft);
    await unsubscribe(spyId);
    await until(() => simLines() === 1, 2_000, 'lines released');
    await unsubscribe(AAPL);
  });

  test('after 1101 (data lost) every live subscription is re-requested and ticks resume within 5 s', async () => {
    await subscribe(AAPL);
    await nextMessage<Tick>(h.bus, tickSubject(AAPL));
    const started = Date.now();
    h.sim.control.broadcast(1101);
    expect(simLines()).toBe(0);
    await until(() => simLines() === 1, 5_000, 'line re-requested');
    await nextMessage<Tick>(h.bus, tickSubject(AAPL), (t) => t.tsInitMs > started);
    expect(Date.now() - started).toBeLessThan(5_000);
    await unsubscribe(AAPL);
  });

  test('the nightly-reset sequence (1100, farms broken, farms OK, 1101): degraded, then resubscribed within 5 s', async () => {
    await subscribe(AAPL);
    await nextMessage<Tick>(h.bus, tickSubject(AAPL));
    const statusSubject = Subjects.brokerStatus.build({ broker: h.broker });
    const connected = nextMessage<BrokerStatus>(
      h.bus,
      statusSubject,
      (s) => s.state === 'connected' && s.notice?.kind === 'restored-data-lost',
    );
    const started = Date.now();
    h.sim.control.nightlyReset({ dataLost: true });
    await until(() => simLines() === 1, 5_000, 'line re-requested');
    await nextMessage<Tick>(h.bus, tickSubject(AAPL), (t) => t.tsInitMs > started);
    expect(Date.now() - started).toBeLessThan(5_000);
    const s = await connected;
    expect(s.feeds.every((f) => f.state !== 'broken')).toBe(true);
    await until(() => simLines() === 1, 2_000, 'exactly one line');
    await unsubscribe(AAPL);
    await until(() => simLines() === 0, 2_000, 'no orphan line');
  });

  test('a reset where IB keeps the data (1102) re-requests without doubling the line', async () => {
    await subscribe(AAPL);
    await nextMessage<Tick>(h.bus, tickSubject(AAPL));
    const md = h.gateway.broker(h.broker)?.marketData;
    const before = md?.resubscriptions ?? 0;
    const started = Date.now();
    h.sim.control.nightlyReset({ dataLost: false });
    await until(() => (md?.resubscriptions ?? 0) > before, 5_000, 'resubscribed after the farm came back');
    await nextMessage<Tick>(h.bus, tickSubject(AAPL), (t) => t.tsInitMs > started);
    await until(() => simLines() === 1, 2_000, 'one line');
    expect(simLines()).toBe(1);
    await unsubscribe(AAPL);
  });

  test('after a socket drop the session reconnects and ticks resume within 5 s of the reconnect', async () => {
    await subscribe(AAPL);
    await nextMessage<Tick>(h.bus, tickSubject(AAPL));
    const conn = h.gateway.broker(h.broker)?.conn;
    const sessions = conn?.sessions ?? 0;
    h.sim.control.dropClient(h.clientId);
    await until(() => conn?.sessions === sessions + 1, 5_000, 'reconnected');
    const reconnectedAt = Date.now();
    await nextMessage<Tick>(h.bus, tickSubject(AAPL), (t) => t.tsInitMs >= reconnectedAt);
    expect(Date.now() - reconnectedAt).toBeLessThan(5_000);
    expect(simLines()).toBe(1);
    await unsubscribe(AAPL);
  });

  test('a line that goes silent is marked stale, and live again when ticks resume; the gateway publishes no md.health', async () => {
    const health: FeedHealth[] = [];
    const sub = h.bus.subscribe<FeedHealth>(Subjects.mdHealth.build({ broker: h.broker, instrument: AAPL }), (m) => {
      health.push(m.data);
    });
    const md = h.gateway.broker(h.broker)?.marketData;
    try {
      await subscribe(AAPL);
      await nextMessage<Tick>(h.bus, tickSubject(AAPL));
      h.sim.control.setReplyDelay(1_500);
      await until(() => md?.feedOf(AAPL) === 'stale', 3_000, 'the line marked stale');
      h.sim.control.setReplyDelay(0);
      await until(() => md?.feedOf(AAPL) === 'live', 5_000, 'the line live again');
      // feed health has one producer, market-data (none runs here)
      expect(health).toEqual([]);
    } finally {
      sub.unsubscribe();
      await unsubscribe(AAPL);
    }
  });

  test('a broker snapshot answers with the full L1 state and frees its line', async () => {
    const r = await h.bus.request<BrokerMdSnapshotReply>(
      Subjects.brokerCommand.build({ broker: h.broker, verb: 'mdSnapshot' }),
      { v: 1, instrument: { id: AAPL } },
      { timeoutMs: 15_000 },
    );
    expect(r.ok).toBe(true);
    const t = r.ok ? r.tick : undefined;
    expect(t).toMatchObject({ broker: h.broker, instrumentId: AAPL, delayed: false });
    expect(Number(t?.ask)).toBeGreaterThan(Number(t?.bid));
    expect(simLines()).toBe(0);
    const unknown = await h.bus.request<BrokerMdSnapshotReply>(
      Subjects.brokerCommand.build({ broker: h.broker, verb: 'mdSnapshot' }),
      { v: 1, instrument: { id: '999999999' } },
      { timeoutMs: 15_000 },
    );
    expect(unknown).toMatchObject({ ok: false, code: 'CONTRACT_UNKNOWN' });
  }, 20_000);

  test('5-second real-time bars are published on md.rtbar', async () => {
    const bar = nextMessage<Bar>(
      h.bus,
      Subjects.mdRtBar.build({ broker: h.broker, instrument: AAPL }),
      () => true,
      8_000,
    );
    expect(await subscribe(AAPL, ['rtbars'])).toMatchObject({ ok: true });
    const b = await bar;
    expect(b).toMatchObject({ instrumentId: AAPL, timeframe: '5s', complete: true });
    expect(b.tsEndMs - b.tsStartMs).toBe(5_000);
    await unsubscribe(AAPL, ['rtbars']);
  }, 10_000);
});
