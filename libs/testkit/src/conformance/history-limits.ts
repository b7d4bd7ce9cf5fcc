/**
 * Conformance of historical bars to the announcement (`capabilities.history.bars`), which the history service plans
 * its requests from: a bar size the broker does not announce is refused with a typed reply (VALIDATION_FAILED,
 * the contract's code for it), never served on a guess; and every announced size is served, for the latest span
 * and, where a lookback is announced, near its far end. The lookback is counted from the broker's clock (the end
 * the broker reports for a request that ends at its now), not the caller's: a simulator's market is not today's.
 */
import {
  type BrokerCapabilities,
  ErrorCodeSchema,
  type FetchHistoryReply,
  isCanonicalTimeframe,
  parseTimeframe,
} from '@trading-system/contracts';
import { expect, test } from 'vitest';
import type { BrokerClient } from './broker-client.js';
import { newClientOrderId } from './orders.js';
import type { ConformanceSetup, ConformanceTarget } from './target.js';

/** What the checks need from the running suite (read when a test runs, after the suite's beforeAll). */
export interface HistoryCheckContext {
  readonly setup: ConformanceSetup;
  target(): ConformanceTarget;
  client(): BrokerClient;
  announced(): BrokerCapabilities;
}

/**
 * Bar sizes to offer a broker that does not announce them: common ones (served by some broker) and odd ones
 * (served by none), so every broker is offered a few it must refuse.
 */
const PROBE_TIMEFRAMES = ['1s', '5s', '2m', '5m', '15m', '1h', '4h', '1d', '1w', '7m', '45m', '6h', '2d', '3w'];

/** How many bars of each size the checks ask for at most (keeps the answers small for every size). */
const BARS_PER_REQUEST = 20;

const lengthMs = (timeframe: string): number => (parseTimeframe(timeframe).seconds ?? 31 * 86_400) * 1_000;

/** 'served', or the refusal's code and message (so a failure says why). */
const refusal = (r: FetchHistoryReply): string => (r.ok ? 'served' : `${r.code}: ${r.message}`);

function expectWellFormed(r: FetchHistoryReply, what: string): void {
  if (!r.ok) return;
  for (const [i, b] of r.bars.entries()) {
    expect(b.tsEndMs, `${what}: bar ${i} ends after it starts`).toBeGreaterThan(b.tsStartMs);
    const prev = r.bars[i - 1];
    if (prev === undefined) continue;
    expect(b.tsStartMs, `${what}: bar ${i} in time order`).toBeGreaterThan(prev.tsStartMs);
    // No bar reaches into the next: a bar dated at a session's open inside its grid slot (IB's 3-hour bar from 09:30)
    // ends at the slot's end, where the next starts, not a bar length after its start.
    expect(prev.tsEndMs, `${what}: bar ${i - 1} ends by the start of bar ${i}`).toBeLessThanOrEqual(b.tsStartMs);
  }
}

export function historyLimitTests(ctx: HistoryCheckContext): void {
  const base = () => ({
    v: 1 as const,
    instrument: ctx.target().orderInstrument,
    whatToShow: ctx.setup.historyWhatToShow ?? 'TRADES',
    useRth: false,
  });

  test('refuses, with a typed reply, history of a bar size it does not announce', async () => {
    const history = ctx.announced().history;
    if (history === undefined) return; // refusing every size is proven by the history test of the suite
    const served = new Set(history.bars.map((b) => b.timeframe));
    const probes = PROBE_TIMEFRAMES.filter((tf) => isCanonicalTimeframe(tf) && !served.has(tf));
    expect(probes.length, 'some bar sizes it does not announce').toBeGreaterThan(0);
    for (const timeframe of probes) {
      const r = await ctx.client().command('fetchHistory', {
        ...base(),
        requestId: newClientOrderId(),
        timeframe,
        spanMs: 5 * lengthMs(timeframe),
      });
      expect(r, `${timeframe} is not announced: refused`).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      if (!r.ok) expect(ErrorCodeSchema.safeParse(r.code).success, `${timeframe}: a code of the registry`).toBe(true);
    }
  });

  test('serves every announced bar size: the latest span, and near the far end of its announced lookback', async () => {
    const history = ctx.announced().history;
    if (history === undefined) return;
    for (const b of history.bars) {
      const len = lengthMs(b.timeframe);
      const spanMs = Math.min(b.maxSpanMs, BARS_PER_REQUEST * len, b.maxLookbackMs ?? Number.POSITIVE_INFINITY);
      const latest = await ctx
        .client()
        .command('fetchHistory', { ...base(), requestId: newClientOrderId(), timeframe: b.timeframe, spanMs }, 30_000);
      expect(refusal(latest), `${b.timeframe}: the latest ${spanMs} ms`).toBe('served');
      if (!latest.ok) continue;
      expectWellFormed(latest, `${b.timeframe} latest`);
      if (b.maxLookbackMs === undefined) continue;
      // The broker's now is the end it reports for a span ending at its now; the oldest range it must still serve
      // starts a lookback before that (a margin in, so the two clocks' drift during the test does not matter).
      const margin = Math.min(Math.max(10 * len, 3_600_000), b.maxLookbackMs / 10);
      const startMs = latest.endMs - b.maxLookbackMs + margin;
      const oldest = await ctx.client().command(
        'fetchHistory',
        {
          ...base(),
          requestId: newClientOrderId(),
          timeframe: b.timeframe,
          startMs,
          endMs: startMs + Math.min(spanMs, margin),
        },
        30_000,
      );
      expect(refusal(oldest), `${b.timeframe}: ${b.maxLookbackMs} ms back from the broker's now`).toBe('served');
      expectWellFormed(oldest, `${b.timeframe} oldest`);
    }
  }, 180_000);
}
