/**
 * A paper broker priced by a replay of history: the source's (gateway-ib on ib-sim) 1-minute bars of the day
 * before, played at 60× wall time. Its ticks and fills carry replay time, and a market order fills at a replayed
 * price.
 */
import { randomUUID } from 'node:crypto';
import { type AccountPositionsReply, type AccountSummaryReply, Subjects, type Tick } from '@trading-system/contracts';
import { uniqueName } from '@trading-system/testkit';
import { BrokerClient } from '@trading-system/testkit/conformance';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type PaperGateway, start } from '../src/app.js';
import { AAPL, ACCOUNT, SESSION_START, type Source, startSource, testLogger } from './helpers.js';

const FROM = SESSION_START - 86_400_000; // Tuesday 11:00 New York
const SPEED = 60;

describe('gateway-paper replaying history', () => {
  let src: Source;
  let paper: PaperGateway;
  let c: BrokerClient;
  const broker = uniqueName('replay');

  beforeAll(async () => {
    src = await startSource();
    paper = await start({
      bus: src.bus,
      db: src.database.db,
      logger: testLogger,
      schema: src.schema,
      gatewayType: uniqueName('gp'),
      brokers: [
        {
          name: broker,
          quotesFrom: src.source,
          account: ACCOUNT,
          marketHours: 'always',
          replay: { fromMs: FROM, speed: SPEED },
        },
      ],
      brokerOptions: { statusEveryMs: 1_000, stepEveryMs: 200 },
    });
    c = new BrokerClient(src.bus, broker);
    await c.record();
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
    await paper?.stop();
    await src?.stop();
  });

  test('ticks in replay time at the chosen speed; a market order fills at a replayed price, in replay time', async () => {
    await vi.waitFor(async () => expect(await c.command('status', { v: 1 })).toMatchObject({ ok: true }));
    const ticks: Tick[] = [];
    const sub = src.bus.subscribe<Tick>(Subjects.mdTick.build({ broker, instrument: AAPL }), (m) => {
      ticks.push(m.data);
    });
    try {
      const startedAt = Date.now();
      expect(await c.command('mdSubscribe', { v: 1, instrument: { id: AAPL }, streams: ['ticks'] })).toMatchObject({
        ok: true,
      });
      await vi.waitFor(() => expect(ticks.length).toBeGreaterThan(10), { timeout: 10_000 });
      const first = ticks[0] as Tick;
      const last = ticks.at(-1) as Tick;
      expect(first.tsEventMs).toBeGreaterThanOrEqual(FROM);
      // The replay's clock started with the broker, a few wall seconds ago.
      expect(first.tsEventMs).toBeLessThan(FROM + 10 * 60_000);
      // Market time runs at SPEED × wall time (± a tick interval each way).
      const market = last.tsEventMs - first.tsEventMs;
      const wall = Date.now() - startedAt;
      expect(market).toBeGreaterThan(0);
      expect(market).toBeLessThanOrEqual(wall * SPEED + 6_000);
      for (const t of ticks) expect(Number(t.ask)).toBeGreaterThan(Number(t.bid));

      const bars = await c.command('fetchHistory', {
        v: 1,
        requestId: randomUUID(),
        instrument: { id: AAPL },
        startMs: FROM,
        endMs: FROM + 3_600_000,
        timeframe: '1m',
        whatToShow: 'TRADES',
        useRth: false,
      });
      if (!bars.ok) throw new Error(`no bars: ${bars.code}`);
      const low = Math.min(...bars.bars.map((b) => Number(b.low)));
      const high = Math.max(...bars.bars.map((b) => Number(b.high)));

      const clientOrderId = `rp-${randomUUID().slice(0, 12)}`;
      const placed = await c.command('placeOrder', {
        v: 1,
        clientOrderId,
        account: ACCOUNT,
        instrument: { id: AAPL },
        side: 'BUY',
        quantity: '10',
        orderType: 'MKT',
        tif: 'DAY',
        outsideRth: false,
      });
      expect(placed).toMatchObject({ ok: true });
      const x = await c.waitFor('execution', (e) => e.execution.clientOrderId === clientOrderId, 'the fill');
      expect(x.execution.execTimeMs).toBeGreaterThanOrEqual(FROM);
      expect(x.execution.execTimeMs).toBeLessThan(FROM + 3_600_000);
      expect(Number(x.execution.price)).toBeGreaterThanOrEqual(low);
      expect(Number(x.execution.price)).toBeLessThanOrEqual(high + 0.01);

      // The account views clients read (account.<broker>.*) show the fill too.
      const held = await src.bus.request<AccountPositionsReply>(
        Subjects.accountPositions.build({ broker }),
        { v: 1 },
        { timeoutMs: 5_000 },
      );
      expect(held.ok && held.positions.find((p) => p.instrumentId === AAPL)?.quantity).toBe('10');
      const summary = await src.bus.request<AccountSummaryReply>(
        Subjects.accountSummary.build({ broker }),
        { v: 1, account: ACCOUNT },
        { timeoutMs: 5_000 },
      );
      expect(summary.ok && summary.accounts[0]?.account).toBe(ACCOUNT);
    } finally {
      sub.unsubscribe();
    }
  }, 60_000);
});
