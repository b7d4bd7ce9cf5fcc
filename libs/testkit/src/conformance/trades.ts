/**
 * Conformance check (issue 17 item 4): every gateway publishes the exact trades of a ticks line on
 * `md.trade.<broker>.<instrumentId>` — one well-formed message per trade, exact decimal strings, of that broker and
 * instrument — and announces them by listing that subject in its `mdSubscribe` reply (market-data builds bars from
 * them and guesses trades from quote volume only for a line that announces none). No trade is published for a line
 * once it is closed.
 */
import type { Subscription } from '@trading-system/bus';
import { compareDecimal, Subjects, type Tick, Trade } from '@trading-system/contracts';
import { expect, test, vi } from 'vitest';
import type { BrokerClient } from './broker-client.js';
import type { ConformanceTarget } from './target.js';

export interface ExactTradesContext {
  readonly target: () => ConformanceTarget;
  readonly client: () => BrokerClient;
  /** The broker's announced streaming lines (BrokerCapabilities.marketDataLines). */
  readonly marketDataLines: () => number;
}

export function exactTradesTest(ctx: ExactTradesContext): void {
  test('market data: exact trades on md.trade while a ticks line is open, announced in the reply, none after it closes', async (tc) => {
    if (ctx.marketDataLines() === 0) tc.skip();
    const t = ctx.target();
    const c = ctx.client();
    const id = t.orderInstrument.id;
    const other = t.quoteInstrument.id;
    const tradeSubject = Subjects.mdTrade.build({ broker: t.broker, instrument: id });
    const trades: Array<{ body: unknown; atMs: number }> = [];
    let otherTicks = 0;
    let otherSince = Number.POSITIVE_INFINITY;
    const subs: Subscription[] = [
      t.bus.subscribe<unknown>(tradeSubject, (m) => void trades.push({ body: m.data, atMs: Date.now() })),
      t.bus.subscribe<Tick>(Subjects.mdTick.build({ broker: t.broker, instrument: other }), () => {
        if (Date.now() >= otherSince) otherTicks++;
      }),
    ];
    try {
      const r = await c.command('mdSubscribe', { v: 1, instrument: { id }, streams: ['ticks'] });
      expect(r).toMatchObject({ ok: true });
      expect(r.ok && r.subjects, 'the mdSubscribe reply announces md.trade').toContain(tradeSubject);
      await vi.waitFor(() => expect(trades.length).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 100 });
      for (const { body } of trades) {
        const parsed = Trade.safeParse(body);
        expect(parsed.success, `a well-formed Trade: ${JSON.stringify(body)}`).toBe(true);
        if (!parsed.success) continue;
        expect(parsed.data).toMatchObject({ broker: t.broker, instrumentId: id });
        expect(compareDecimal(parsed.data.size, '0'), 'a trade has a size').toBeGreaterThan(0);
        expect(compareDecimal(parsed.data.price, '0'), 'a trade has a price').toBeGreaterThan(0);
      }
      const un = await c.command('mdUnsubscribe', { v: 1, instrument: { id }, streams: ['ticks'] });
      expect(un).toMatchObject({ ok: true });
      const closedAt = Date.now();
      // No quiet period to wait out: another line's ticks show time passing while this one publishes nothing.
      otherSince = closedAt;
      expect(await c.command('mdSubscribe', { v: 1, instrument: { id: other }, streams: ['ticks'] })).toMatchObject({
        ok: true,
      });
      await vi.waitFor(() => expect(otherTicks).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
      expect(trades.filter((x) => x.atMs > closedAt)).toHaveLength(0);
      await c.command('mdUnsubscribe', { v: 1, instrument: { id: other }, streams: ['ticks'] });
    } finally {
      for (const s of subs) s.unsubscribe();
    }
  }, 45_000);
}
