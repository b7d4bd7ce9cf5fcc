import type {
  Bar,
  FeedHealth,
  MdSnapshotReply,
  MdSubscribeReply,
  MdUnsubscribeReply,
  Tick,
  Trade,
} from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { createLogger } from '@trading-system/runtime';
import { uniqueName } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, fakeGateway, type MdHarness, startMd, withTimeout } from './helpers.js';

let h: MdHarness;
let broker: string;
let gw: ReturnType<typeof fakeGateway>;
beforeAll(async () => {
  h = await startMd({ staleAfterMs: 400, healthEveryMs: 5_000, barGraceMs: 5_000 });
  broker = uniqueName('b');
  gw = fakeGateway(h.bus, broker);
});
afterAll(async () => {
  gw.stop();
  await h.close();
});

let nextInstrumentId = 1000;
const nextId = () => String(nextInstrumentId++);
const subscribe = (instrumentId: string, leaseId: string, extra: object = {}) =>
  h.bus.request<MdSubscribeReply>(
    h.subjects.subscribe,
    { v: 1, leaseId, broker, instrument: { id: instrumentId }, ttlMs: 5_000, ...extra },
    { timeoutMs: 5_000 },
  );
const unsubscribe = (leaseId: string) =>
  h.bus.request<MdUnsubscribeReply>(h.subjects.unsubscribe, { v: 1, leaseId }, { timeoutMs: 5_000 });
const snapshot = (instrumentIds: string[], cachedOnly = false) =>
  h.bus.request<MdSnapshotReply>(
    h.subjects.snapshot,
    { v: 1, broker, instruments: instrumentIds.map((id) => ({ id })), cachedOnly },
    { timeoutMs: 5_000 },
  );
const tick = (instrumentId: string, over: Partial<Tick>): Tick => ({
  v: 1,
  broker,
  instrumentId,
  tsEventMs: Date.now(),
  tsInitMs: Date.now(),
  delayed: false,
  ...over,
});
const publishTick = (instrumentId: string, over: Partial<Tick>) =>
  h.bus.publish(Subjects.mdTick.build({ broker, instrument: instrumentId }), tick(instrumentId, over));
const gatewayCalls = (instrumentId: string, verb: string) =>
  gw.calls.filter((c) => c.instrumentId === instrumentId && c.verb === verb);

describe('leases and gateway lines', () => {
  test('three clients on one instrument → one gateway line, released with the last lease', async () => {
    const instrumentId = nextId();
    const replies = await Promise.all(['a', 'b', 'c'].map((id) => subscribe(instrumentId, uniqueName(id))));
    for (const r of replies) {
      expect(r).toMatchObject({ ok: true, subjects: [Subjects.mdTick.build({ broker, instrument: instrumentId })] });
    }
    expect(gatewayCalls(instrumentId, 'mdSubscribe')).toHaveLength(1);
    expect(h.md.leases.leasesOn(`${broker}/${instrumentId}`)).toBe(3);
    const ids = replies.map((r) => (r.ok ? r.leaseId : ''));
    expect(await unsubscribe(ids[0] ?? '')).toMatchObject({ ok: true, lineReleased: false });
    expect(await unsubscribe(ids[1] ?? '')).toMatchObject({ ok: true, lineReleased: false });
    expect(gatewayCalls(instrumentId, 'mdUnsubscribe')).toHaveLength(0);
    expect(await unsubscribe(ids[2] ?? '')).toMatchObject({ ok: true, lineReleased: true });
    expect(gatewayCalls(instrumentId, 'mdUnsubscribe')).toHaveLength(1);
    expect(gw.refs.get(instrumentId)).toBe(0);
    expect(await unsubscribe(ids[2] ?? '')).toMatchObject({ ok: false, code: 'LEASE_NOT_FOUND' });
  });

  test('a client that vanishes without unsubscribing frees the line when its lease ends; renewals keep it', async () => {
    const instrumentId = nextId();
    const crashed = uniqueName('crash');
    const renewing = uniqueName('renew');
    expect((await subscribe(instrumentId, crashed)).ok).toBe(true);
    expect((await subscribe(instrumentId, renewing)).ok).toBe(true);
    h.advance(3_000);
    expect((await subscribe(instrumentId, renewing)).ok).toBe(true); // renewal before ttl
    h.advance(2_500); // crashed lease is 5.5 s old: expired; the renewed one has 2.5 s left
    await withTimeout(
      (async () => {
        while (h.md.leases.get(crashed) !== undefined) await new Promise((r) => setTimeout(r, 10));
      })(),
      3_000,
      'the crashed lease to expire',
    );
    expect(gatewayCalls(instrumentId, 'mdUnsubscribe')).toHaveLength(0);
    h.advance(3_000); // now the renewing client stops renewing too
    await gw.until(() => gatewayCalls(instrumentId, 'mdUnsubscribe').length === 1, 3_000, 'the line release');
    expect(gw.refs.get(instrumentId)).toBe(0);
    await withTimeout(
      (async () => {
        while (h.md.lines().has(`${broker}/${instrumentId}`)) await new Promise((r) => setTimeout(r, 5));
      })(),
      3_000,
      'the line to close',
    );
  });

  test('a gateway refusal is passed on and leaves no lease or line behind', async () => {
    const instrumentId = nextId();
    gw.refuseNext('LINE_BUDGET_EXHAUSTED');
    const leaseId = uniqueName('l');
    expect(await subscribe(instrumentId, leaseId)).toMatchObject({ ok: false, code: 'LINE_BUDGET_EXHAUSTED' });
    expect(h.md.leases.get(leaseId)).toBeUndefined();
    expect(h.md.lines().has(`${broker}/${instrumentId}`)).toBe(false);
    expect((await subscribe(instrumentId, leaseId)).ok).toBe(true);
    await unsubscribe(leaseId);
  });

  test('a gateway answer that comes too late is given back, so the IB line cannot leak', async () => {
    const own = await startMd({ gatewayTimeoutMs: 200 });
    const b2 = uniqueName('b');
    const gw2 = fakeGateway(own.bus, b2);
    gw2.delayNext(300);
    const r = await own.bus.request<MdSubscribeReply>(
      own.subjects.subscribe,
      { v: 1, leaseId: uniqueName('slow'), broker: b2, instrument: { id: '9' }, ttlMs: 60_000 },
      { timeoutMs: 5_000 },
    );
    expect(r).toMatchObject({ ok: false, code: 'TIMEOUT' });
    await gw2.until(() => gw2.calls.some((c) => c.verb === 'mdUnsubscribe'), 3_000, 'the compensating release');
    // given back after the late subscribe landed, not before (a release that overtook it would leave a line open)
    expect(gw2.calls.map((c) => c.verb)).toEqual(['mdSubscribe', 'mdUnsubscribe']);
    expect(gw2.refs.get('9')).toBe(0);
    expect(own.md.lines().size).toBe(0);
    // a retry right after the timeout waits for the give-back, then opens the line once
    gw2.delayNext(300);
    const leaseId = uniqueName('retry');
    const body = { v: 1, leaseId, broker: b2, instrument: { id: '10' }, ttlMs: 60_000 };
    const req = () => own.bus.request<MdSubscribeReply>(own.subjects.subscribe, body, { timeoutMs: 5_000 });
    expect(await req()).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect(await req()).toMatchObject({ ok: true });
    expect(gw2.calls.filter((c) => c.instrumentId === '10').map((c) => c.verb)).toEqual([
      'mdSubscribe',
      'mdUnsubscribe',
      'mdSubscribe',
    ]);
    expect(gw2.refs.get('10')).toBe(1);
    gw2.stop();
    await own.close();
  });

  test('invalid requests are refused with a code: monthly bars, a lease id reused on another line', async () => {
    expect(await subscribe(nextId(), uniqueName('m'), { timeframes: ['1mo'] })).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
    });
    const id = uniqueName('dup');
    expect((await subscribe(nextId(), id)).ok).toBe(true);
    expect(await subscribe(nextId(), id)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    await unsubscribe(id);
  });
});

describe('last-quote cache and health', () => {
  test('a newcomer gets the latest quote at once; many instruments in one request; cachedOnly misses', async () => {
    const [a, b] = [nextId(), nextId()];
    const leases = [uniqueName('q'), uniqueName('q')];
    await subscribe(a, leases[0] ?? '');
    await subscribe(b, leases[1] ?? '');
    const ticks = collect<Tick>(h.bus, Subjects.mdTick.build({ broker, instrument: b }));
    publishTick(a, { bid: '10', ask: '10.02', last: '10.01', volume: '500', open: '9.5', high: '10.5', low: '9.4' });
    publishTick(b, { bid: '20', ask: '20.5' });
    publishTick(b, { bid: '20.1', ask: '20.5', bidSize: '300' });
    await ticks.next((t) => t.bid === '20.1');
    ticks.stop();
    const r = await snapshot([a, b, nextId()], true);
    expect(r.ok).toBe(true);
    const items = r.ok ? r.items : [];
    expect(items[0]).toMatchObject({
      ok: true,
      state: 'live',
      tick: { bid: '10', ask: '10.02', last: '10.01', volume: '500', open: '9.5', high: '10.5', low: '9.4' },
    });
    expect(items[1]).toMatchObject({ ok: true, tick: { bid: '20.1', bidSize: '300' } });
    expect(items[2]).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    for (const l of leases) await unsubscribe(l);
  });

  test('a cached-only snapshot answers from every tick that arrived before it, also one read together with it', async () => {
    const a = nextId();
    const lease = uniqueName('q');
    await subscribe(a, lease);
    // Published and asked back to back on one connection: the server hands the tick and the request over together
    // (20 rounds: most share a socket read), and the bus handles them in that order.
    for (let i = 0; i < 20; i++) {
      publishTick(a, { bid: `${10 + i}`, ask: `${11 + i}` });
      const r = await snapshot([a], true);
      expect(r.ok ? r.items[0] : r, `round ${i}`).toMatchObject({ ok: true, tick: { bid: `${10 + i}` } });
    }
    await unsubscribe(lease);
  });

  test('without cachedOnly, an unwatched instrument is fetched through a line of its own', async () => {
    const c = nextId();
    const pending = snapshot([c]);
    await gw.until(() => gatewayCalls(c, 'mdSubscribe').length === 1, 3_000, 'the snapshot line');
    // the line is open: ticks now reach the cache
    await withTimeout(
      (async () => {
        while (!h.md.lines().has(`${broker}/${c}`)) await new Promise((r) => setTimeout(r, 5));
      })(),
      2_000,
      'the line',
    );
    publishTick(c, { bid: '5', ask: '6' });
    const r = await pending;
    expect(r.ok && r.items[0]).toMatchObject({ ok: true, tick: { bid: '5', ask: '6' } });
  });

  test('a feed that stops is marked stale with its age (snapshot and md.health), live again with the next tick', async () => {
    const instrumentId = nextId();
    const health = collect<FeedHealth>(h.bus, Subjects.mdHealth.build({ broker, instrument: instrumentId }));
    const leaseId = uniqueName('s');
    await subscribe(instrumentId, leaseId);
    publishTick(instrumentId, { bid: '1', ask: '2' });
    const stale = await health.next((m) => m.state === 'stale', 3_000, 'stale health');
    expect(stale.lastTickAgeMs).toBeGreaterThanOrEqual(400);
    expect(stale.leases).toBe(1);
    const r = await snapshot([instrumentId], true);
    const item = r.ok ? r.items[0] : undefined;
    expect(item).toMatchObject({ ok: true, state: 'stale' });
    expect(item?.ok && item.ageMs).toBeGreaterThanOrEqual(400);
    publishTick(instrumentId, { bid: '1.5', ask: '2' });
    const live = await health.next((m) => m.state === 'live' && m.tsMs >= stale.tsMs, 3_000, 'live health');
    expect(live.lastTickAgeMs).toBeLessThan(400);
    health.stop();
    await unsubscribe(leaseId);
  });
});

describe('bars', () => {
  test('from a gateway announcing exact trades: bars from md.trade only, every extreme kept, quote volume ignored', async () => {
    const tradingBroker = uniqueName('tr');
    const tgw = fakeGateway(h.bus, tradingBroker, { trades: true });
    const instrumentId = nextId();
    const leaseId = uniqueName('trades');
    const base = Math.ceil((Date.now() + 60_000) / 1_000) * 1_000;
    const bars = collect<Bar>(h.bus, Subjects.mdBar.filter({ broker: tradingBroker, instrument: instrumentId }));
    const inst = { broker: tradingBroker, instrument: instrumentId };
    try {
      const r = await h.bus.request<MdSubscribeReply>(
        h.subjects.subscribe,
        { v: 1, leaseId, broker: tradingBroker, instrument: { id: instrumentId }, ttlMs: 5_000, timeframes: ['1s'] },
        { timeoutMs: 5_000 },
      );
      expect(r).toMatchObject({
        ok: true,
        subjects: [
          Subjects.mdTick.build(inst),
          Subjects.mdTrade.build(inst),
          Subjects.mdBar.build({ ...inst, timeframe: '1s' }),
        ],
      });
      const trade = (dt: number, price: string, size: string) =>
        h.bus.publish(Subjects.mdTrade.build(inst), {
          v: 1,
          broker: tradingBroker,
          instrumentId,
          price,
          size,
          tsEventMs: base + dt,
          tsInitMs: Date.now(),
          delayed: false,
        } satisfies Trade);
      const quote = (dt: number, last: string, volume: string) =>
        h.bus.publish(Subjects.mdTick.build(inst), {
          ...tick(instrumentId, { last, volume, bid: last, ask: last, tsEventMs: base + dt }),
          broker: tradingBroker,
        });
      quote(-500, '100', '1000');
      // three trades conflated into one quote update: its volume and last hide the 103.25 high and the 99.75 low
      trade(100, '100.5', '10');
      trade(200, '103.25', '0.5');
      trade(300, '99.75', '4');
      trade(400, '101', '5');
      quote(400, '101', '1019.5');
      trade(1_100, '101.5', '1'); // completes the first bar
      const first = await bars.next();
      expect(first).toMatchObject({
        tsStartMs: base,
        open: '100.5',
        high: '103.25',
        low: '99.75',
        close: '101',
        volume: '19.5',
        count: 4,
        gap: false,
      });
      expect(h.md.lines().get(`${tradingBroker}/${instrumentId}`)?.exactTrades).toBe(true);
    } finally {
      bars.stop();
      await unsubscribe(leaseId);
      tgw.stop();
    }
  });

  test('1s and 3s bars from ticks, published complete; a stale feed flags the bars around the outage', async () => {
    const instrumentId = nextId();
    const leaseId = uniqueName('bars');
    // tick times 60 s ahead: only trades complete bars here, never the timer
    const base = Math.ceil((Date.now() + 60_000) / 3_000) * 3_000;
    const bars = collect<Bar>(h.bus, Subjects.mdBar.filter({ broker, instrument: instrumentId }));
    expect(await subscribe(instrumentId, leaseId, { timeframes: ['1s', '3s'] })).toMatchObject({
      ok: true,
      subjects: [
        Subjects.mdTick.build({ broker, instrument: instrumentId }),
        Subjects.mdBar.build({ timeframe: '1s', broker, instrument: instrumentId }),
        Subjects.mdBar.build({ timeframe: '3s', broker, instrument: instrumentId }),
      ],
    });
    const trade = (dt: number, last: string, volume: string) =>
      publishTick(instrumentId, { last, volume, bid: last, ask: last, tsEventMs: base + dt });
    trade(-500, '100', '1000'); // baseline: not a trade
    trade(100, '100.5', '1010');
    trade(400, '101', '1015');
    trade(900, '99.5', '1016');
    trade(1_200, '100', '1020');
    const first = await bars.next((b) => b.timeframe === '1s');
    expect(first).toMatchObject({
      timeframe: '1s',
      complete: true,
      tsStartMs: base,
      tsEndMs: base + 1_000,
      open: '100.5',
      high: '101',
      low: '99.5',
      close: '99.5',
      volume: '16',
      count: 3,
      gap: false,
    });
    await withTimeout(
      (async () => {
        while (h.md.lines().get(`${broker}/${instrumentId}`)?.state !== 'stale')
          await new Promise((r) => setTimeout(r, 10));
      })(),
      3_000,
      'the line to go stale',
    );
    trade(2_100, '102', '1030');
    trade(3_100, '103', '1031');
    trade(4_100, '104', '1032');
    const got = await bars.count(5, () => true, 3_000);
    const oneSecond = got
      .filter((b) => b.timeframe === '1s')
      .map((b) => [b.tsStartMs - base, b.close, b.volume, b.gap]);
    expect(oneSecond).toEqual([
      [0, '99.5', '16', false],
      [1_000, '100', '4', true], // open while the feed went stale
      [2_000, '102', '10', true], // first bar after the outage
      [3_000, '103', '1', false],
    ]);
    const threeSecond = got.filter((b) => b.timeframe === '3s');
    expect(threeSecond).toEqual([
      expect.objectContaining({ tsStartMs: base, open: '100.5', high: '102', low: '99.5', close: '102', volume: '30' }),
    ]);
    expect(threeSecond[0]?.gap).toBe(true);
    bars.stop();
    await unsubscribe(leaseId);
  });
});

describe('5-second bars, poison input, shutdown', () => {
  test('with rtbars, 10s bars are built from the 5-s bars; without them, from trades', async () => {
    const instrumentId = nextId();
    const leaseId = uniqueName('rt');
    const bars = collect<Bar>(h.bus, Subjects.mdBar.filter({ broker, instrument: instrumentId }));
    const r = await subscribe(instrumentId, leaseId, { streams: ['ticks', 'rtbars'], timeframes: ['10s', '3s'] });
    expect(r.ok && r.subjects).toContain(Subjects.mdRtBar.build({ broker, instrument: instrumentId }));
    expect(gatewayCalls(instrumentId, 'mdSubscribe')[0]?.streams).toEqual(['ticks', 'rtbars']);
    const base = Math.ceil((Date.now() + 60_000) / 10_000) * 10_000;
    const rt = (i: number, o: string, hi: string, lo: string, c: string) =>
      h.bus.publish(Subjects.mdRtBar.build({ broker, instrument: instrumentId }), {
        v: 1,
        broker,
        instrumentId,
        timeframe: '5s',
        complete: true,
        tsInitMs: Date.now(),
        tsStartMs: base + i * 5_000,
        tsEndMs: base + (i + 1) * 5_000,
        open: o,
        high: hi,
        low: lo,
        close: c,
        volume: '100',
        count: 7,
        gap: false,
      });
    rt(0, '50', '52', '49', '51');
    rt(1, '51', '55', '50.5', '54');
    const ten = await bars.next((b) => b.timeframe === '10s', 3_000, 'a 10s bar');
    expect(ten).toMatchObject({
      tsStartMs: base,
      tsEndMs: base + 10_000,
      open: '50',
      high: '55',
      low: '49',
      close: '54',
      volume: '200',
      count: 14,
      gap: false,
    });
    // 3s is not a multiple of 5 s: trades build it, 5-s bars do not
    expect(bars.seen.filter((b) => b.timeframe === '3s')).toEqual([]);
    bars.stop();
    await unsubscribe(leaseId);
    expect(gatewayCalls(instrumentId, 'mdUnsubscribe')[0]?.streams?.sort()).toEqual(['rtbars', 'ticks']);
  });

  test('a malformed tick is refused by the bus; the cache keeps the last good one and goes on', async () => {
    const instrumentId = nextId();
    const leaseId = uniqueName('p');
    await subscribe(instrumentId, leaseId);
    const subject = Subjects.mdTick.build({ broker, instrument: instrumentId });
    const ticks = collect<Tick>(h.bus, subject);
    const rejected = () => h.bus.stats().rejected.bad_json + h.bus.stats().rejected.schema;
    const before = rejected();
    publishTick(instrumentId, { bid: '1', ask: '2' });
    h.bus.publishRaw(subject, new TextEncoder().encode('{"v":1,"bid":"NaN"'));
    h.bus.publishRaw(subject, new TextEncoder().encode(JSON.stringify(tick(instrumentId, { bid: '1e5' }))));
    publishTick(instrumentId, { bid: '1.25', ask: '2' });
    await ticks.next((t) => t.bid === '1.25');
    ticks.stop();
    expect(rejected() - before).toBeGreaterThanOrEqual(4); // two bad messages, two subscribers
    const r = await snapshot([instrumentId], true);
    expect(r.ok && r.items[0]).toMatchObject({ ok: true, tick: { bid: '1.25' } });
    await unsubscribe(leaseId);
  });

  test("the log carries every line's state, tick age and rate", async () => {
    const entries: Array<{ msg?: string; feeds?: Array<{ line: string; state: string; ticksPerSec: number }> }> = [];
    const logger = createLogger({
      service: 'md-log-test',
      level: 'info',
      destination: { write: (line: string) => entries.push(JSON.parse(line)) },
    });
    const own = await startMd({ summaryEveryMs: 200 }, undefined, logger);
    const b2 = uniqueName('b');
    const gw2 = fakeGateway(own.bus, b2);
    const r = await own.bus.request<MdSubscribeReply>(
      own.subjects.subscribe,
      { v: 1, leaseId: uniqueName('s'), broker: b2, instrument: { id: '7' }, ttlMs: 60_000 },
      { timeoutMs: 5_000 },
    );
    expect(r.ok).toBe(true);
    for (let i = 0; i < 20; i++)
      own.bus.publish(Subjects.mdTick.build({ broker: b2, instrument: '7' }), {
        ...tick('7', { bid: String(i) }),
        broker: b2,
      });
    const summary = () =>
      entries.find(
        (e) => e.msg === 'market-data summary' && e.feeds?.some((f) => f.line === `${b2}/7` && f.ticksPerSec > 0),
      );
    await withTimeout(
      (async () => {
        while (summary() === undefined) await new Promise((res) => setTimeout(res, 20));
      })(),
      5_000,
      'a summary with the line',
    );
    expect(summary()?.feeds?.find((f) => f.line === `${b2}/7`)).toMatchObject({ state: 'live' });
    expect(entries.some((e) => e.msg === 'gateway line opened')).toBe(true);
    await own.md.stop();
    gw2.stop();
    await own.nats.close();
  });

  test('stop() gives every gateway line back', async () => {
    const own = await startMd({});
    const b2 = uniqueName('b');
    const gw2 = fakeGateway(own.bus, b2);
    for (const instrumentId of ['1', '2']) {
      const r = await own.bus.request<MdSubscribeReply>(
        own.subjects.subscribe,
        { v: 1, leaseId: uniqueName('s'), broker: b2, instrument: { id: instrumentId }, ttlMs: 60_000 },
        { timeoutMs: 5_000 },
      );
      expect(r.ok).toBe(true);
    }
    expect([...gw2.refs.values()]).toEqual([1, 1]);
    await own.md.stop();
    expect([...gw2.refs.values()]).toEqual([0, 0]);
    gw2.stop();
    await own.nats.close();
  });
});
