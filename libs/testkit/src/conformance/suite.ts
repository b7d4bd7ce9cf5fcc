/**
 * The broker conformance suite (issue 16 item 4): what any gateway must do on the bus contract, run against a
 * started gateway + broker. A gateway's test calls `brokerConformanceSuite(factory)` at top level; the tests run in
 * order on one gateway, and the account checks at the end add up every fill of the tests before them.
 *
 * What the broker takes and serves is read from its own status (`BrokerStatus.capabilities`), the announcement the
 * OMS validates against: the order type × TIF matrix, asset classes, outside-RTH, fractions, modify, history and
 * market-data lines are driven by it. Every combination has a test (the list is built before the gateway starts);
 * each proves the combination works when announced and is refused when not.
 */

import type { Subscription } from '@trading-system/bus';
import {
  BrokerCapabilities,
  BrokerNotice,
  type BrokerStatus,
  brokerNowMs,
  type ConnectionState,
  CurrentBrokerStatus,
  capabilityProblems,
  FeedStatus,
  OrderType,
  type SecType,
  Subjects,
  type Tick,
  TimeInForce,
} from '@trading-system/contracts';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { BrokerClient } from './broker-client.js';
import { historyLimitTests } from './history-limits.js';
import { ledgerOf, toMicros } from './ledger.js';
import { buyPrices, newClientOrderId, OrderDriver, type PriceGrid, priceGrid } from './orders.js';
import type { ConformanceFactory, ConformanceTarget } from './target.js';
import { exactTradesTest } from './trades.js';

/**
 * How a broker may report a time-in-force end (DAY at the close, IOC/FOK remainders): `expired` when it tells expiry
 * from a cancel (Alpaca), `cancelled` when it cannot (IB); the contract allows both (BrokerOrderState).
 */
const TIF_END: readonly string[] = ['cancelled', 'expired'];

/**
 * How far the broker time a gateway announces may be from the broker's clock: whole seconds from IB (reqCurrentTime)
 * and Alpaca's sim, a round trip, and the time a status spends on the bus before the suite reads it.
 */
export const BROKER_TIME_TOLERANCE_MS = 5_000;

export function brokerConformanceSuite(factory: ConformanceFactory, opts: { timeoutMs?: number } = {}): void {
  describe(`broker conformance: ${factory.name}`, { timeout: opts.timeoutMs ?? 20_000 }, () => {
    let t: ConformanceTarget;
    let c: BrokerClient;
    let o: OrderDriver;
    let minTick: string;
    let orderSecType: SecType;
    let caps: BrokerCapabilities | undefined;
    let cashAtStartMicros: bigint | undefined;
    const setup = factory.setup;

    /** The broker's announced capabilities; a broker that announces none fails every test that needs them. */
    const announced = (): BrokerCapabilities => {
      if (caps === undefined) throw new Error('the broker announces no capabilities in its status');
      return caps;
    };
    const takes = (type: OrderType, tif: TimeInForce): boolean => announced().orderTypes[type]?.includes(tif) === true;
    /** The TIF resting limit orders of the scenarios use: GTC when announced (it survives a session end), else DAY. */
    const restingTif = (): TimeInForce => (takes('LMT', 'GTC') ? 'GTC' : 'DAY');

    /** Resolves when the broker's status (periodic `broker.<b>.status`, or the `status` command) shows `state`. */
    const statusIs = async (state: ConnectionState): Promise<BrokerStatus> => {
      let sub: Subscription | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        const seen = new Promise<BrokerStatus>((resolve, reject) => {
          sub = t.bus.subscribe<BrokerStatus>(Subjects.brokerStatus.build({ broker: t.broker }), (m) => {
            if (m.data.state === state) resolve(m.data);
          });
          timer = setTimeout(() => reject(new Error(`status never became ${state}`)), 10_000);
        });
        const now = await c.command('status', { v: 1 });
        if (now.ok && now.status.state === state) return now.status;
        return await seen;
      } finally {
        sub?.unsubscribe();
        clearTimeout(timer);
      }
    };

    /** The next status the gateway publishes on `broker.<b>.status` (it publishes on change and periodically). */
    const nextPublishedStatus = async (): Promise<BrokerStatus> => {
      let sub: Subscription | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        return await new Promise<BrokerStatus>((resolve, reject) => {
          sub = t.bus.subscribe<BrokerStatus>(Subjects.brokerStatus.build({ broker: t.broker }), (m) =>
            resolve(m.data),
          );
          timer = setTimeout(() => reject(new Error('no status published within 15 s')), 15_000);
        });
      } finally {
        sub?.unsubscribe();
        clearTimeout(timer);
      }
    };

    /**
     * Cuts the broker link, runs `away` once the gateway says it is disconnected, and restores the link even when
     * `away` fails (the tests after it need a connected broker). Resolves with the wall time of the restore.
     */
    const whileCut = async (away: () => Promise<void>): Promise<number> => {
      const { cutLink, restoreLink } = t;
      if (cutLink === undefined || restoreLink === undefined)
        throw new Error('a remote broker link: the conformance target must give cutLink() and restoreLink()');
      await cutLink.call(t);
      let restoredAt = Date.now();
      try {
        await statusIs('disconnected');
        await away();
      } finally {
        restoredAt = Date.now();
        await restoreLink.call(t);
      }
      await statusIs('connected');
      return restoredAt;
    };

    const quote = async (): Promise<PriceGrid> => {
      const r = await c.command('mdSnapshot', { v: 1, instrument: t.orderInstrument });
      if (!r.ok) throw new Error(`mdSnapshot refused: ${r.code} ${r.message}`);
      const { bid, ask } = r.tick;
      if (bid === undefined || ask === undefined) throw new Error('the order instrument has no two-sided quote now');
      return priceGrid(minTick, Number(bid), Number(ask));
    };

    const cash = async (): Promise<bigint | undefined> => {
      const r = await c.command('accountSummary', { v: 1, account: t.account });
      const total = r.ok ? r.accounts.find((a) => a.account === t.account)?.totalCashValue : undefined;
      return total === undefined ? undefined : toMicros(total);
    };

    beforeAll(async () => {
      t = await factory.start();
      c = new BrokerClient(t.bus, t.broker);
      o = new OrderDriver(t, c);
      await c.record();
      await statusIs('connected');
      const q = await c.command('qualifyContract', { v: 1, instrument: t.orderInstrument, allowMany: false });
      if (!q.ok) throw new Error(`the order instrument does not qualify: ${q.code} ${q.message}`);
      minTick = q.instruments[0]?.minTick ?? '0.01';
      orderSecType = q.instruments[0]?.secType ?? 'STK';
      const s = await c.command('status', { v: 1 });
      caps = s.ok ? s.status.capabilities : undefined;
      cashAtStartMicros = await cash();
    }, 60_000);
    afterAll(async () => {
      await c?.stop();
      await t?.stop();
    });

    test('connects and reports its status: connected, its name, the trading account', async () => {
      const r = await c.command('status', { v: 1 });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.status).toMatchObject({ broker: t.broker, state: 'connected' });
      expect(r.status.accounts).toContain(t.account);
      if (t.gatewayType !== undefined) expect(r.status.gatewayType, 'BrokerStatus.gatewayType').toBe(t.gatewayType);
    });

    test('reports its health in the broker-neutral status: its data feeds, a well-formed notice, details of its type', async () => {
      const r = await c.command('status', { v: 1 });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      // What the gateway sent, strictly the current shape (the contract reads the previous one too, never writes it).
      const raw = await t.bus.requestRaw(
        Subjects.brokerCommand.build({ broker: t.broker, verb: 'status' }),
        new TextEncoder().encode(JSON.stringify({ v: 1 })),
        { timeoutMs: 5_000 },
      );
      const sent = (JSON.parse(new TextDecoder().decode(raw)) as { status?: unknown }).status;
      const parsed = CurrentBrokerStatus.safeParse(sent);
      expect(parsed.error?.issues ?? [], 'the status in the current shape').toEqual([]);
      const s = r.status;
      // Every broker has a data source: a status names at least one feed, and each is well-formed.
      expect(s.feeds.length, 'BrokerStatus.feeds').toBeGreaterThan(0);
      for (const f of s.feeds) expect(FeedStatus.safeParse(f).success, `feed ${f.name}`).toBe(true);
      if (s.notice !== undefined) expect(BrokerNotice.safeParse(s.notice).success, 'BrokerStatus.notice').toBe(true);
      if (setup.brokerType !== undefined) expect(s.details?.type, 'BrokerStatus.details.type').toBe(setup.brokerType);
      // No broker's own words outside `details`: the keys are the neutral contract's.
      expect(Object.keys(sent ?? {}).filter((k) => !(k in CurrentBrokerStatus.shape))).toEqual([]);
    });

    test('announces its capabilities in its status: well-formed, the same when published, its instrument among them', async () => {
      const r = await c.command('status', { v: 1 });
      expect(r.ok).toBe(true);
      const mine = r.ok ? r.status.capabilities : undefined;
      expect(mine, 'BrokerStatus.capabilities').toBeDefined();
      if (mine === undefined) return;
      expect(BrokerCapabilities.safeParse(mine).success).toBe(true);
      expect(capabilityProblems(mine)).toEqual([]);
      expect(mine.assetClasses).toContain(orderSecType);
      const published = await nextPublishedStatus();
      expect(published.capabilities).toEqual(mine);
    });

    test("announces the broker's clock in its status, within a tolerance of the broker's own", async () => {
      // The status as it answers now and as it publishes: both carry the broker's time (history counts from it).
      for (const [how, s] of [
        ['answered', await statusIs('connected')],
        ['published', await nextPublishedStatus()],
      ] as const) {
        expect(s.brokerTimeMs, `BrokerStatus.brokerTimeMs (${how})`).toBeDefined();
        const brokerNow = t.brokerNow?.();
        const announced = brokerNowMs(s, Date.now());
        if (brokerNow === undefined || announced === undefined) continue;
        expect(Math.abs(announced - brokerNow), `broker time ${how} vs the broker's clock, ms`).toBeLessThanOrEqual(
          BROKER_TIME_TOLERANCE_MS,
        );
      }
    });

    test('qualifies an instrument of every asset class it announces', async () => {
      for (const secType of announced().assetClasses) {
        const ref = setup.instruments[secType];
        if (ref === undefined)
          throw new Error(`the broker announces ${secType}: the conformance setup must give an instrument to prove it`);
        const r = await c.command('qualifyContract', { v: 1, instrument: ref, allowMany: true });
        expect(r, secType).toMatchObject({ ok: true });
        if (!r.ok) continue;
        for (const i of r.instruments) expect(i.secType).toBe(secType);
      }
    });

    test('refuses to qualify an instrument that does not exist', async () => {
      const r = await c.command('qualifyContract', { v: 1, instrument: { secType: 'STK', symbol: 'ZZNOSUCHZZ' } });
      expect(r).toMatchObject({ ok: false, code: 'CONTRACT_UNKNOWN' });
    });

    /** Rests away from the market, is modified (or refused a modify when modify is not announced), is cancelled. */
    const restsAndCancels = async (type: OrderType, tif: TimeInForce): Promise<void> => {
      const id = newClientOrderId();
      const body = o.body(id, { orderType: type, tif, ...buyPrices(type, await quote(), 'rest') });
      const orderId = await o.place(body);
      // Broker order ids are the broker's opaque strings; its events name the order by the id placeOrder answered.
      expect(await o.working(id)).toMatchObject({ orderId });
      // An id the broker never gave names no order of ours: refused, nothing sent, the order keeps working.
      const stranger = await c.command('cancelOrder', { v: 1, clientOrderId: id, orderId: 'not-an-order-id' });
      expect(stranger).toMatchObject({ ok: false, code: 'BROKER_ORDER_MISMATCH' });
      const more = String(Number(body.quantity) + 1);
      const m = await c.command('modifyOrder', { ...body, quantity: more, orderId });
      if (announced().modify) {
        expect(m).toMatchObject({ ok: true, orderId });
        await c.waitFor('openOrder', (x) => x.order.clientOrderId === id && x.order.quantity === more, 'modified');
      } else expect(m, 'modify is not announced').toMatchObject({ ok: false });
      await o.cancel(id, orderId);
      expect(await o.final(id)).toMatchObject({ status: 'cancelled', filled: '0' });
      expect(o.executions(id)).toEqual([]);
    };

    for (const type of OrderType.options) {
      for (const tif of TimeInForce.options) {
        const immediate = tif === 'IOC' || tif === 'FOK';
        test(`${type} ${tif}: works when announced (rests, modifies, cancels, fills), refused when not`, async () => {
          if (!takes(type, tif)) {
            const body = o.body(newClientOrderId(), {
              orderType: type,
              tif,
              ...buyPrices(type, await quote(), 'rest'),
            });
            expect(await o.refused(body)).toBe(true);
            return;
          }
          if (type !== 'MKT' && !immediate) await restsAndCancels(type, tif);
          if (type !== 'MKT' && immediate) {
            // Away from the market: ended at once (its time in force ran out) with nothing filled.
            const id = newClientOrderId();
            await o.place(o.body(id, { orderType: type, tif, ...buyPrices(type, await quote(), 'rest') }));
            const end = await o.final(id);
            expect(TIF_END).toContain(end.status);
            expect(end.filled).toBe('0');
            expect(o.executions(id)).toEqual([]);
          }
          // Marketable: fills in full with one commission per execution.
          const id = newClientOrderId();
          const orderId = await o.place(
            o.body(id, { orderType: type, tif, ...buyPrices(type, await quote(), 'execute') }),
          );
          expect(await o.final(id)).toMatchObject({ status: 'filled', remaining: '0' });
          const xs = await o.fillsComplete(id, Number(t.orderQuantity));
          for (const x of xs)
            expect(x).toMatchObject({ orderId, account: t.account, instrumentId: t.orderInstrument.id });
        });
      }
    }

    test('refuses outside-RTH orders of the types it does not announce outside-RTH for', async () => {
      const g = await quote();
      for (const [type, tifs] of Object.entries(announced().orderTypes) as [OrderType, TimeInForce[]][]) {
        const tif = tifs[0];
        if (announced().outsideRth.includes(type) || tif === undefined) continue;
        const body = o.body(newClientOrderId(), {
          orderType: type,
          tif,
          outsideRth: true,
          ...buyPrices(type, g, 'rest'),
        });
        expect(await o.refused(body), `${type} outsideRth`).toBe(true);
      }
    });

    test('a fractional quantity: taken when it announces fractions for the asset class (rests, cancels), refused when not', async () => {
      if (!announced().fractionalQuantity.includes(orderSecType)) {
        expect(await o.refused(o.body(newClientOrderId(), { quantity: '0.5' }))).toBe(true);
        return;
      }
      // Brokers that take fractions take them at least as a DAY limit (Alpaca: DAY only); a GTC limit otherwise.
      const tif = (['DAY', 'GTC'] as const).find((t) => takes('LMT', t));
      expect(tif, 'fractions are announced, but no LMT DAY or GTC to place one with').toBeDefined();
      const id = newClientOrderId();
      const body = o.body(id, { quantity: '0.5', orderType: 'LMT', tif, ...buyPrices('LMT', await quote(), 'rest') });
      const orderId = await o.place(body);
      expect(await o.working(id)).toMatchObject({ orderId });
      await o.cancel(id, orderId);
      expect(await o.final(id)).toMatchObject({ status: 'cancelled', filled: '0' });
      expect(o.executions(id)).toEqual([]);
    });

    const quantity = setup.partialFillQuantity;
    if (quantity !== undefined) {
      test('IOC beyond the displayed size: a partial fill, the rest cancelled; FOK of that size: nothing', async (ctx) => {
        if (!takes('LMT', 'IOC') || !takes('LMT', 'FOK')) ctx.skip();
        const limitPrice = buyPrices('LMT', await quote(), 'execute').limitPrice;
        const ioc = newClientOrderId();
        await o.place(o.body(ioc, { orderType: 'LMT', tif: 'IOC', quantity, limitPrice }));
        const end = await o.final(ioc);
        expect(TIF_END).toContain(end.status);
        const filled = Number(end.filled);
        expect(filled).toBeGreaterThan(0);
        expect(filled).toBeLessThan(Number(quantity));
        await o.fillsComplete(ioc, filled);
        const fok = newClientOrderId();
        await o.place(o.body(fok, { orderType: 'LMT', tif: 'FOK', quantity, limitPrice }));
        const fokEnd = await o.final(fok);
        expect(TIF_END).toContain(fokEnd.status);
        expect(fokEnd.filled).toBe('0');
        expect(o.executions(fok)).toEqual([]);
      });
    }

    test('cancelAll ends every open order', async () => {
      const g = await quote();
      const ids = [newClientOrderId(), newClientOrderId()];
      const tif = restingTif();
      for (const id of ids) await o.place(o.body(id, { orderType: 'LMT', tif, ...buyPrices('LMT', g, 'rest') }));
      for (const id of ids) await o.working(id);
      expect(await c.command('cancelAll', { v: 1 })).toMatchObject({ ok: true });
      for (const id of ids) expect(await o.final(id)).toMatchObject({ status: 'cancelled', filled: '0' });
    });

    const remote = (setup.brokerLink ?? 'remote') === 'remote';
    if (remote)
      test('link lost while orders fill: missed fills reported once after reconnect, open orders reported again', async () => {
        const g = await quote();
        // One order at the bid (it rests now; the broker fills it while we are away), one far away.
        const near = newClientOrderId();
        const far = newClientOrderId();
        const tif = restingTif();
        await o.place(o.body(near, { orderType: 'LMT', tif, limitPrice: g.round(g.bid, 'down') }));
        const farId = await o.place(o.body(far, { orderType: 'LMT', tif, ...buyPrices('LMT', g, 'rest') }));
        await o.working(near);
        await o.working(far);

        const restoredAt = await whileCut(async () => {
          if (t.fillWhileCut === undefined)
            throw new Error('a remote broker link: the target must give fillWhileCut()');
          await t.fillWhileCut([near]);
        });

        // IB-like brokers say nothing more about an order that ended while away but its fills and the snapshot.
        const xs = await o.fillsComplete(near, Number(t.orderQuantity));
        await c.waitUntil(
          () =>
            c.all('reconciliationSnapshot', (s) => {
              const after = c.events.some((e) => e.data === s && e.receivedAtMs >= restoredAt);
              const open = s.openOrders.some((x) => x.clientOrderId === far);
              const done = s.completedOrders.some((x) => x.clientOrderId === near && x.status === 'filled');
              return after && open && done;
            })[0],
          'a snapshot after the reconnect: the far order open, the near one filled',
        );

        // Ask again: a second report of the same fills must not add a copy.
        const reconId = newClientOrderId();
        expect(await c.command('reconcile', { v: 1, reconId })).toMatchObject({ ok: true });
        await c.waitFor('reconciliationSnapshot', (s) => s.reconId === reconId, 'the asked snapshot');
        expect(o.executions(near).map((x) => x.execId)).toEqual(xs.map((x) => x.execId));
        for (const x of xs) expect(c.all('commissionReport', (r) => r.execId === x.execId)).toHaveLength(1);

        await o.cancel(far, farId);
        expect(await o.final(far)).toMatchObject({ status: 'cancelled' });
      }, 40_000);

    if (!remote)
      test('in-process broker, no link to lose: a gateway restart keeps open orders and fills, adds no copy', async () => {
        const restart = t.restartGateway;
        if (restart === undefined)
          throw new Error('an in-process broker: the conformance target must give restartGateway()');
        const g = await quote();
        const far = newClientOrderId();
        const filled = newClientOrderId();
        const tif = restingTif();
        const farId = await o.place(o.body(far, { orderType: 'LMT', tif, ...buyPrices('LMT', g, 'rest') }));
        await o.working(far);
        await o.place(o.body(filled, { orderType: 'LMT', tif, ...buyPrices('LMT', g, 'execute') }));
        expect(await o.final(filled)).toMatchObject({ status: 'filled' });
        const xs = await o.fillsComplete(filled, Number(t.orderQuantity));
        const before = await c.command('status', { v: 1 });

        await restart.call(t);

        const after = await statusIs('connected');
        if (before.ok) expect(after.instanceId).not.toBe(before.status.instanceId);
        const reconId = newClientOrderId();
        expect(await c.command('reconcile', { v: 1, reconId })).toMatchObject({ ok: true });
        const snap = await c.waitFor('reconciliationSnapshot', (s) => s.reconId === reconId, 'the asked snapshot');
        expect(snap.openOrders.map((x) => x.clientOrderId)).toContain(far);
        expect(snap.completedOrders.find((x) => x.clientOrderId === filled)).toMatchObject({ status: 'filled' });
        expect(snap.executions.filter((x) => x.clientOrderId === filled).map((x) => x.execId)).toEqual(
          xs.map((x) => x.execId),
        );
        expect(o.executions(filled).map((x) => x.execId)).toEqual(xs.map((x) => x.execId));
        for (const x of xs) expect(c.all('commissionReport', (r) => r.execId === x.execId)).toHaveLength(1);

        // The restarted gateway still owns its orders: a cancel reaches the order placed before the restart.
        await o.cancel(far, farId);
        expect(await o.final(far)).toMatchObject({ status: 'cancelled' });
      }, 40_000);

    test('every execution is reported once, with exactly one commission report', () => {
      const execs = c.all('execution');
      expect(execs.length).toBeGreaterThan(0);
      const ids = execs.map((e) => e.execution.execId);
      expect(new Set(ids).size).toBe(ids.length);
      const reports = c.all('commissionReport');
      for (const id of ids) expect(reports.filter((r) => r.execId === id)).toHaveLength(1);
      expect(reports.every((r) => ids.includes(r.execId))).toBe(true);
    });

    test('positions and account cash agree with the fills, to the cent', async () => {
      const ledger = ledgerOf(
        c.all('execution').map((e) => e.execution),
        c.all('commissionReport'),
      );
      const instrumentId = t.orderInstrument.id;
      await vi.waitFor(
        async () => {
          const r = await c.command('positions', { v: 1, account: t.account });
          expect(r.ok).toBe(true);
          const held = r.ok
            ? r.positions.find((p) => p.instrumentId === instrumentId && p.account === t.account)
            : undefined;
          expect(BigInt(held?.quantity ?? '0')).toBe(ledger.position.get(instrumentId) ?? 0n);
        },
        { timeout: 10_000, interval: 200 },
      );
      if (cashAtStartMicros === undefined) throw new Error('the account summary reports no totalCashValue');
      const start = cashAtStartMicros;
      const cents = (micros: bigint): bigint => (micros >= 0n ? micros + 5_000n : micros - 5_000n) / 10_000n;
      await vi.waitFor(
        async () => {
          const now = await cash();
          expect(now).toBeDefined();
          expect(cents((now ?? 0n) - start)).toBe(cents(ledger.cashMicros));
        },
        { timeout: 10_000, interval: 200 },
      );
    });

    test('serves historical bars of an announced bar size within its announced span, in time order', async () => {
      const history = announced().history;
      const request = { v: 1 as const, requestId: newClientOrderId(), instrument: t.orderInstrument, useRth: true };
      const whatToShow = setup.historyWhatToShow ?? 'TRADES';
      if (history === undefined) {
        const r = await c.command('fetchHistory', { ...request, spanMs: 86_400_000, timeframe: '1m', whatToShow });
        expect(r, 'no history announced: fetchHistory is refused').toMatchObject({ ok: false });
        return;
      }
      // Minute bars when announced (many bars in a short span), else the smallest size; at most 30 minutes of them.
      const bar = history.bars.find((b) => b.timeframe === '1m') ?? history.bars[0];
      if (bar === undefined) throw new Error('history announced without bar sizes');
      const spanMs = Math.min(bar.maxSpanMs, 1_800_000);
      const r = await c.command('fetchHistory', { ...request, spanMs, timeframe: bar.timeframe, whatToShow }, 30_000);
      expect(r).toMatchObject({ ok: true });
      if (!r.ok) return;
      expect(r.bars.length).toBeGreaterThan(0);
      for (const [i, b] of r.bars.entries()) {
        expect(b.tsEndMs).toBeGreaterThan(b.tsStartMs);
        if (i > 0) expect(b.tsStartMs).toBeGreaterThanOrEqual(r.bars[i - 1]?.tsEndMs ?? 0);
      }
    });

    historyLimitTests({ setup, target: () => t, client: () => c, announced });

    test(`market data: ticks after subscribe, none after unsubscribe${remote ? ', ticks again after a reconnect' : ''}`, async () => {
      const instrumentId = t.orderInstrument.id;
      const other = t.quoteInstrument.id;
      const ticks: { instrumentId: string; atMs: number }[] = [];
      const subs = [instrumentId, other].map((id) =>
        t.bus.subscribe<Tick>(Subjects.mdTick.build({ broker: t.broker, instrument: id }), (m) => {
          ticks.push({ instrumentId: m.data.instrumentId, atMs: Date.now() });
        }),
      );
      const ticksOf = (id: string, since: number) =>
        ticks.filter((x) => x.instrumentId === id && x.atMs >= since).length;
      try {
        const sub = (id: string) => c.command('mdSubscribe', { v: 1, instrument: { id }, streams: ['ticks'] });
        // One line at a time below; a broker announcing no lines must refuse the first.
        if (announced().marketDataLines === 0) {
          expect(await sub(instrumentId), 'no market-data lines announced').toMatchObject({ ok: false });
          return;
        }
        expect(await sub(instrumentId)).toMatchObject({ ok: true });
        await vi.waitFor(() => expect(ticksOf(instrumentId, 0)).toBeGreaterThan(0), { timeout: 10_000 });

        const un = await c.command('mdUnsubscribe', { v: 1, instrument: { id: instrumentId }, streams: ['ticks'] });
        expect(un).toMatchObject({ ok: true });
        const unsubscribedAt = Date.now();
        // No quiet period to wait out: another line's ticks show time passing while this one stays silent.
        expect(await sub(other)).toMatchObject({ ok: true });
        await vi.waitFor(() => expect(ticksOf(other, unsubscribedAt)).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
        expect(ticksOf(instrumentId, unsubscribedAt)).toBe(0);

        // An in-process broker has no link to cut: its ticks across a restart are proved above.
        if (remote) {
          const restoredAt = await whileCut(async () => undefined);
          await vi.waitFor(() => expect(ticksOf(other, restoredAt)).toBeGreaterThan(0), { timeout: 10_000 });
        }
        await c.command('mdUnsubscribe', { v: 1, instrument: { id: other }, streams: ['ticks'] });
      } finally {
        for (const s of subs) s.unsubscribe();
      }
    }, 40_000);

    exactTradesTest({ target: () => t, client: () => c, marketDataLines: () => announced().marketDataLines });

    // Last: the broker's market is closed afterwards. A broker announcing DAY and GTC limit orders proves DAY expiry.
    test('DAY orders expire at the session end, GTC orders keep working (when both are announced)', async (ctx) => {
      if (!takes('LMT', 'DAY') || !takes('LMT', 'GTC')) ctx.skip();
      const endSession = t.endSession;
      if (endSession === undefined)
        throw new Error(
          'the broker announces DAY orders: its conformance target must give endSession() to prove expiry',
        );
      const g = await quote();
      const day = newClientOrderId();
      const gtc = newClientOrderId();
      await o.place(o.body(day, { orderType: 'LMT', tif: 'DAY', ...buyPrices('LMT', g, 'rest') }));
      const gtcId = await o.place(o.body(gtc, { orderType: 'LMT', tif: 'GTC', ...buyPrices('LMT', g, 'rest') }));
      await o.working(day);
      await o.working(gtc);
      await endSession.call(t);
      const dayEnd = await o.final(day);
      expect(TIF_END).toContain(dayEnd.status);
      expect(dayEnd.filled).toBe('0');
      const reconId = newClientOrderId();
      expect(await c.command('reconcile', { v: 1, reconId })).toMatchObject({ ok: true });
      const snap = await c.waitFor('reconciliationSnapshot', (s) => s.reconId === reconId, 'the asked snapshot');
      expect(snap.openOrders.map((x) => x.clientOrderId)).toContain(gtc);
      expect(snap.openOrders.map((x) => x.clientOrderId)).not.toContain(day);
      await o.cancel(gtc, gtcId);
      expect(await o.final(gtc)).toMatchObject({ status: 'cancelled' });
    });
  });
}
