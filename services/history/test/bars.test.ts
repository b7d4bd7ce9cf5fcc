import { fetchBarColumns, fetchBars } from '@trading-system/clients';
import {
  BarColumnsBuilder,
  type BarData,
  BROKER_STATUS_STREAM,
  type HistBarsQuery,
  type HistBarsReply,
  type HistProgress,
  type HistStreamMessage,
  latestSession,
  nextSession,
  packBars,
  Subjects,
  unpackBars,
} from '@trading-system/contracts';
import { poll, until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { absoluteTimes } from '../src/bar-blocks.js';
import { BarStore } from '../src/bar-store.js';
import { CON_ID, DAY, type Fixture, HOUR, MIN, NOW, openFixture, syntheticBars } from './helpers.js';

/** Real NATS + real Postgres. Each test uses its own range of the one cached series, or its own fixture. */
let f: Fixture;
beforeAll(async () => {
  f = await openFixture('nats');
  await f.startApp();
});
afterAll(async () => {
  await f?.close();
});

const q = (over: Partial<HistBarsQuery>): HistBarsQuery => ({
  broker: f.broker,
  instrument: { id: CON_ID },
  barSize: '1 min',
  whatToShow: 'TRADES',
  useRth: true,
  cachedOnly: false,
  ...over,
});

/**
 * Independent 7-minute resample of the synthetic minute bars (no code shared with src/resample.ts): AAPL is on the
 * NASDAQ calendar, so with useRth every regular session's open starts a fresh 7-minute grid, the last bucket before
 * the next open cut at it. Buckets overlapping [from, to).
 */
function expected7m(from: number, to: number) {
  const grid = (t: number) => {
    const open = latestSession('NASDAQ', t, 'regular').regular.openMs;
    const next = nextSession('NASDAQ', open, 'regular').regular.openMs;
    const start = open + Math.floor((t - open) / (7 * MIN)) * 7 * MIN;
    return { start, end: Math.min(start + 7 * MIN, next) };
  };
  const minutes = syntheticBars(grid(from).start, to, MIN);
  const groups = new Map<number, typeof minutes>();
  for (const b of minutes) {
    const k = grid(b.tsStartMs).start;
    groups.set(k, [...(groups.get(k) ?? []), b]);
  }
  return [...groups.entries()].map(([k, g]) => ({
    tsStartMs: k,
    tsEndMs: grid(k).end,
    open: g[0]?.open,
    high: g.map((b) => b.high).reduce((a, b) => (Number(b) > Number(a) ? b : a)),
    low: g.map((b) => b.low).reduce((a, b) => (Number(b) < Number(a) ? b : a)),
    close: g.at(-1)?.close,
    volume: String(g.reduce((s, b) => s + Number(b.volume), 0)),
    count: g.reduce((s, b) => s + (b.count ?? 0), 0),
    gap: false,
  }));
}

describe('hist.bars over NATS + Postgres', () => {
  test('cold then warm: the warm request makes zero fetches and returns identical bars', async () => {
    const query = q({ startMs: NOW - 5 * DAY, endMs: NOW }); // five calendar days ("5 D" = trading days: pure.test)
    const progress: HistProgress[] = [];
    const before = f.responder.fetches.length;
    const cold = await fetchBars(f.bus, query, { onProgress: (p) => progress.push(p) });
    const coldFetches = f.responder.fetches.length - before;
    expect(coldFetches).toBe(6); // chunks end on UTC midnights: Fri 21:00–24:00, Sat, Sun, Mon, Tue, Wed 00:00–21:00
    expect(cold.partial).toBe(false);
    // Mon, Tue, Wed sessions; Sat and Sun were answered HISTORY_NO_DATA (IB 162) and are known-empty, not missing.
    expect(cold.bars).toHaveLength(3 * 390);
    expect(cold.bars).toEqual(syntheticBars(NOW - 5 * DAY, NOW, MIN));
    expect(cold.timeframe).toBe('1m');
    expect(cold.instrument?.symbol).toBe('AAPL');
    expect(progress.at(-1)).toMatchObject({ chunksDone: 6, chunksTotal: 6, etaMs: 0 });

    const warm = await fetchBars(f.bus, query);
    expect(f.responder.fetches.length - before).toBe(coldFetches);
    expect(warm.bars).toEqual(cold.bars);
    expect(warm.partial).toBe(false);
    // Packed chunks (fetchBars' default) and object chunks carry the same bars.
    expect((await fetchBars(f.bus, query, { encoding: 'objects' })).bars).toEqual(warm.bars);

    // The coverage map knows the closed periods: nights and the whole weekend (Fri 21:00 → Mon 14:30).
    const store = new BarStore(f.database.db.withSchema(f.schema) as never, f.schema);
    const series = {
      broker: f.broker,
      instrumentId: CON_ID,
      timeframe: '1m',
      whatToShow: 'TRADES' as const,
      useRth: true,
    };
    const empty = await store.emptyRanges(series, { startMs: NOW - 5 * DAY, endMs: NOW });
    expect(empty[0]).toEqual({ startMs: NOW - 5 * DAY, endMs: NOW - 2 * DAY - 6.5 * HOUR });
    expect(empty).toHaveLength(3); // the weekend, Mon night, Tue night

    // Packed pages cut into chunks: every bar once, in order, whatever the page and chunk sizes (1,170 bars).
    const range = { startMs: NOW - 5 * DAY, endMs: NOW };
    for (const [perChunk, perQuery] of [
      [100, 3],
      [390, 1],
      [390, 3],
      [1, 7],
      [5_000, 3],
      [390, 64], // a first page of 4 blocks (FIRST_PAGE_BLOCKS), then the rest in one
    ] as const) {
      const chunks = [];
      for await (const c of store.packedChunks(series, range, perChunk, perQuery)) chunks.push(c);
      // Each chunk in the delta form on its own; together the cold bars.
      const read: BarData[] = [];
      for (const c of chunks) unpackBars(c.parts.join(';'), read);
      expect(read).toEqual(cold.bars);
      expect(chunks.map((c) => absoluteTimes(c.parts.join(';'))).join(';')).toBe(packBars(cold.bars));
      expect(chunks.every((c) => c.n <= perChunk && c.parts.join(';').split(';').length === c.n)).toBe(true);
      expect(chunks).toHaveLength(Math.ceil(1170 / perChunk));
    }
  });

  test('an overlapping request fetches only the difference', async () => {
    // Cached so far: [NOW-5D, NOW). Ask for [NOW-7D, NOW-4D): only [NOW-7D, NOW-5D) is missing.
    const before = f.responder.fetches.length;
    const r = await fetchBars(f.bus, q({ startMs: NOW - 7 * DAY, endMs: NOW - 4 * DAY }));
    const fetched = f.responder.fetches.slice(before);
    expect(fetched.map((x) => x.endMs)).toEqual([NOW - 7 * DAY + 3 * HOUR, NOW - 6 * DAY + 3 * HOUR, NOW - 5 * DAY]);
    expect(fetched.map((x) => x.startMs)).toEqual([NOW - 7 * DAY, NOW - 7 * DAY + 3 * HOUR, NOW - 6 * DAY + 3 * HOUR]);
    expect(r.bars).toEqual(syntheticBars(NOW - 7 * DAY, NOW - 4 * DAY, MIN));
  });

  test('a range starting inside a bar starts with the next bar, as the gateway answers it', async () => {
    // Tuesday 18:00:30 UTC, inside the session: the 18:00 bar starts before the range (cached range of the first test).
    const startMs = NOW - DAY - 3 * HOUR + 30_000;
    const want = syntheticBars(NOW - 5 * DAY, NOW, MIN).filter((b) => b.tsStartMs >= startMs);
    const before = f.responder.fetches.length;
    for (const encoding of ['packed', 'objects'] as const) {
      const r = await fetchBars(f.bus, q({ startMs, endMs: NOW }), { encoding });
      expect(r.bars[0]?.tsStartMs, encoding).toBe(NOW - DAY - 3 * HOUR + MIN);
      expect(r.bars, encoding).toEqual(want);
    }
    const cols = await fetchBarColumns(f.bus, q({ startMs, endMs: NOW }));
    expect(cols.columns.length).toBe(want.length);
    expect(f.responder.fetches.length).toBe(before);
  });

  test('a requester that does not read delta times gets bars-packed chunks with every time spelled out', async () => {
    // As a client before bars-delta asks: encoding packed, no deltaTimes (cached range of the first test).
    const requestId = `no-delta-${Date.now()}`;
    const chunks: HistStreamMessage[] = [];
    const sub = f.bus.subscribe<HistStreamMessage>(Subjects.histStream.build({ requestId }), (m) => {
      chunks.push(m.data);
    });
    const reply = await f.bus.request<HistBarsReply>(
      Subjects.histBars.build(),
      { v: 1, requestId, query: q({ startMs: NOW - 5 * DAY, endMs: NOW }), encoding: 'packed' },
      { timeoutMs: 10_000 },
    );
    expect(reply.ok).toBe(true);
    await expect.poll(() => chunks.at(-1)?.type).toBe('end');
    sub.unsubscribe();
    const data = chunks.filter((c) => c.type !== 'end' && c.type !== 'progress');
    expect(new Set(data.map((c) => c.type))).toEqual(new Set(['bars-packed']));
    const rows = data.map((c) => (c.type === 'bars-packed' ? c.rows : '')).join(';');
    expect(rows).toBe(packBars(syntheticBars(NOW - 5 * DAY, NOW, MIN)));
  });

  test('7-minute bars equal an independent resample of the minute bars, with no extra fetch', async () => {
    const before = f.responder.fetches.length;
    const from = NOW - 2 * DAY;
    const r = await fetchBars(f.bus, q({ startMs: from, endMs: NOW, barSize: '7m' }));
    expect(f.responder.fetches.length).toBe(before);
    expect(r.timeframe).toBe('7m');
    expect(r.bars).toEqual(expected7m(from, NOW));
    const asObjects = await fetchBars(f.bus, q({ startMs: from, endMs: NOW, barSize: '7m' }), { encoding: 'objects' });
    expect(asObjects.bars).toEqual(r.bars);
    // Resampled bars travel as packed rows too and arrive as the same columns.
    const cols = await fetchBarColumns(f.bus, q({ startMs: from, endMs: NOW, barSize: '7m' }));
    const want = new BarColumnsBuilder();
    want.appendBars(r.bars);
    expect(cols.timeframe).toBe('7m');
    expect(cols.columns.length).toBe(r.bars.length);
    expect(cols.columns.close.subarray(0, r.bars.length)).toEqual(want.columns().close.subarray(0, r.bars.length));
    expect(cols.columns.tsStartMs.subarray(0, r.bars.length)).toEqual(
      want.columns().tsStartMs.subarray(0, r.bars.length),
    );
  });

  test('a failing chunk is reported as partial with its range and code; a repeat fetches only that range', async () => {
    const from = NOW - 12 * DAY - 21 * HOUR; // Friday 2024-03-01 00:00 UTC
    const to = from + 3 * DAY;
    f.responder.failing = [{ startMs: from + DAY, endMs: from + 2 * DAY }];
    const before = f.responder.fetches.length;
    const r = await fetchBars(f.bus, q({ startMs: from, endMs: to }));
    f.responder.failing = [];
    expect(r.partial).toBe(true);
    expect(r.missing).toEqual([
      { startMs: from + DAY, endMs: from + 2 * DAY, code: 'PACING_VIOLATION', message: 'simulated pacing violation' },
    ]);
    expect(r.bars).toEqual(
      syntheticBars(from, to, MIN).filter((b) => b.tsStartMs < from + DAY || b.tsStartMs >= from + 2 * DAY),
    );
    expect(f.responder.fetches.length - before).toBe(3);
    const again = await fetchBars(f.bus, q({ startMs: from, endMs: to }));
    expect(f.responder.fetches.length - before).toBe(4);
    expect(again.partial).toBe(false);
    expect(again.bars).toEqual(syntheticBars(from, to, MIN));
  });

  test('cachedOnly answers from the cache and lists what is missing without fetching', async () => {
    const before = f.responder.fetches.length;
    const r = await fetchBars(f.bus, q({ startMs: NOW - 30 * DAY, endMs: NOW - 29 * DAY, cachedOnly: true }));
    expect(f.responder.fetches.length).toBe(before);
    expect(r.partial).toBe(true);
    expect(r.bars).toEqual([]);
    expect(r.missing).toMatchObject([{ startMs: NOW - 30 * DAY, endMs: NOW - 29 * DAY, code: 'HISTORY_PARTIAL' }]);
  });
});

describe('concurrency and bad input', () => {
  test('two identical cold requests at once fetch each chunk once', async () => {
    const from = NOW - 44 * DAY - 21 * HOUR; // Monday 2024-01-29 00:00 UTC, far from the other tests' ranges
    const before = f.responder.fetches.length;
    const [a, b] = await Promise.all([
      fetchBars(f.bus, q({ startMs: from, endMs: from + 2 * DAY })),
      fetchBars(f.bus, q({ startMs: from, endMs: from + 2 * DAY })),
    ]);
    expect(f.responder.fetches.length - before).toBe(2);
    expect(a.bars).toEqual(b.bars);
    expect(a.bars).toHaveLength(2 * 390);
  });

  test('an invalid query never leaves the caller; a broker nobody serves fails with NO_RESPONDERS', async () => {
    await expect(fetchBars(f.bus, q({ duration: '5 D', startMs: NOW - DAY }))).rejects.toMatchObject({
      name: 'InvalidMessageError',
    });
    const other = await openFixture('nats');
    try {
      // This app answers for its own broker only; the responder of that broker is stopped.
      await other.startApp();
      other.responder.close();
      await expect(
        fetchBars(other.bus, { ...q({ duration: '1 D' }), broker: other.broker }, { requestTimeoutMs: 20_000 }),
      ).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
    } finally {
      await other.close();
    }
  }, 30_000);
});

describe('restart', () => {
  test('a download interrupted by a restart resumes without refetching finished chunks', async () => {
    const g = await openFixture('nats', { maxChunkSpanMs: HOUR, fetchConcurrency: 1 });
    try {
      const query: HistBarsQuery = {
        broker: g.broker,
        instrument: { id: CON_ID },
        barSize: '1 min',
        whatToShow: 'TRADES',
        useRth: true,
        cachedOnly: false,
        startMs: NOW - 12 * HOUR,
        endMs: NOW,
      };
      const first = await g.startApp();
      g.responder.holdAfter = 4;
      const interrupted = fetchBars(g.bus, query, { idleTimeoutMs: 20_000 });
      await until(() => g.responder.fetches.length === 5, 10_000, 'the fifth fetch');
      await first.stop();
      await expect(interrupted).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      g.responder.release();

      await g.startApp();
      const r = await fetchBars(g.bus, query);
      expect(r.partial).toBe(false);
      expect(r.bars).toEqual(syntheticBars(NOW - 12 * HOUR, NOW, MIN));
      // 12 one-hour chunks: 4 committed before the stop, the held 5th was dropped, 8 fetched after the restart.
      expect(g.responder.fetches).toHaveLength(5 + 8);
      expect(g.responder.fetches.slice(5).map((x) => x.endMs)).toEqual(
        Array.from({ length: 8 }, (_, i) => NOW - 12 * HOUR + (i + 5) * HOUR),
      );
    } finally {
      await g.close();
    }
  }, 30_000);
});

describe('chunks follow what the broker announces', () => {
  test("each request stays within the broker's announced span; other sizes are built from announced ones or refused", async () => {
    const g = await openFixture('nats');
    try {
      await g.startApp();
      const ib = g.responder.capabilities;
      // A broker serving 1-minute bars only two hours per request (IB: a day).
      g.responder.capabilities = {
        ...ib,
        history: { bars: [{ timeframe: '1m', maxSpanMs: 2 * HOUR }] },
      };
      const r = await fetchBars(g.bus, {
        broker: g.broker,
        instrument: { id: CON_ID },
        barSize: '1 min',
        whatToShow: 'TRADES',
        useRth: true,
        cachedOnly: false,
        startMs: NOW - DAY,
        endMs: NOW,
      });
      expect(r.bars.length).toBeGreaterThan(0);
      expect(g.responder.fetches.length).toBeGreaterThanOrEqual(12);
      for (const x of g.responder.fetches) expect((x.endMs ?? 0) - (x.startMs ?? 0)).toBeLessThanOrEqual(2 * HOUR);

      // Hourly bars are built from the broker's minute bars: nothing is asked in hours.
      const before = g.responder.fetches.length;
      const hourly = await fetchBars(g.bus, {
        broker: g.broker,
        instrument: { id: CON_ID },
        barSize: '1 hour',
        whatToShow: 'TRADES',
        useRth: true,
        cachedOnly: false,
        startMs: NOW - DAY,
        endMs: NOW,
      });
      expect(hourly.bars.length).toBeGreaterThan(0);
      expect(hourly.bars.every((b) => b.tsEndMs - b.tsStartMs === HOUR)).toBe(true);
      expect(g.responder.fetches.slice(before).every((x) => x.timeframe === '1m')).toBe(true);
      const beforeRefused = g.responder.fetches.length;
      // 30-second bars cannot be built from minute bars: refused, nothing asked.
      const refused = await fetchBars(g.bus, {
        broker: g.broker,
        instrument: { id: CON_ID },
        barSize: '30s',
        whatToShow: 'TRADES',
        useRth: true,
        cachedOnly: false,
        startMs: NOW - DAY,
        endMs: NOW,
      }).then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      expect(refused?.code).toBe('VALIDATION_FAILED');
      expect(g.responder.fetches.length).toBe(beforeRefused);
    } finally {
      await g.close();
    }
  }, 30_000);

  test('a hole older than the broker keeps bars of the size is reported HISTORY_BEYOND_LOOKBACK', async () => {
    const g = await openFixture('nats');
    try {
      await g.startApp();
      // A broker keeping minute bars for three days back, refusing older ranges.
      g.responder.capabilities = {
        ...g.responder.capabilities,
        history: { bars: [{ timeframe: '1m', maxSpanMs: DAY, maxLookbackMs: 3 * DAY }] },
      };
      g.responder.failing = [{ startMs: 0, endMs: NOW - 3 * DAY }];
      const query = {
        broker: g.broker,
        instrument: { id: CON_ID },
        barSize: '1 min',
        whatToShow: 'TRADES' as const,
        useRth: true,
        cachedOnly: false,
        startMs: NOW - 5 * DAY,
        endMs: NOW,
      };
      const r = await fetchBars(g.bus, query);
      expect(r.partial).toBe(true);
      // Chunks end at UTC midnights: the one ending Monday 00:00 (after the limit) was answered.
      expect(r.missing).toEqual([
        expect.objectContaining({
          startMs: NOW - 5 * DAY,
          endMs: NOW - 3 * DAY - 21 * HOUR,
          code: 'HISTORY_BEYOND_LOOKBACK',
        }),
      ]);
      expect(r.missing[0]?.message).toMatch(/keeps 1m bars back to 2024-03-10T21:00:00.000Z only/);
      expect(r.bars).toEqual(syntheticBars(NOW - 3 * DAY, NOW, MIN));
      const cached = await fetchBars(g.bus, { ...query, cachedOnly: true });
      expect(cached.missing.map((m) => m.code)).toEqual(['HISTORY_BEYOND_LOOKBACK']);

      // The limit counts from the broker's now, which a simulator may set in the past: a broker that has the
      // older bars after all serves them.
      g.responder.failing = [];
      const old = await fetchBars(g.bus, { ...query, startMs: NOW - 10 * DAY, endMs: NOW - 8 * DAY });
      expect(old.missing).toEqual([]);
      expect(old.bars).toEqual(syntheticBars(NOW - 10 * DAY, NOW - 8 * DAY, MIN));
    } finally {
      await g.close();
    }
  }, 60_000);
  // The status kept may be one the previous gateway version wrote (IB's farms, codes and clientId): read as well.
  const keptStatuses = {
    current: { feeds: [], details: { type: 'ib', clientId: 1 } },
    'previous version': {
      farms: [],
      clientId: 1,
      lastCode: 2104,
      lastCodeMessage: 'Market data farm connection is OK',
    },
  } as const;
  test.each(Object.keys(keptStatuses) as (keyof typeof keptStatuses)[])(
    "with the gateway down, a restarted history serves the cache on the broker's last status kept in BROKER_STATUS (%s shape)",
    async (shape) => {
      const g = await openFixture('nats');
      try {
        const first = await g.startApp();
        const query = q({ broker: g.broker, startMs: NOW - 2 * DAY, endMs: NOW });
        const cold = await fetchBars(g.bus, query);
        expect(cold.bars.length).toBeGreaterThan(0);
        await first.stop();
        // What a gateway leaves behind: its last status in the last-value stream (gateways ensure it at start).
        await g.bus.jetstream.ensureStream({
          name: BROKER_STATUS_STREAM.name,
          subjects: BROKER_STATUS_STREAM.subjects,
          storage: BROKER_STATUS_STREAM.storage,
          duplicateWindowMs: BROKER_STATUS_STREAM.duplicateWindowMs,
          maxMsgsPerSubject: BROKER_STATUS_STREAM.maxMsgsPerSubject,
        });
        const status = Subjects.brokerStatus.build({ broker: g.broker });
        g.bus.publish(status, {
          v: 1,
          broker: g.broker,
          gatewayType: 'ib',
          state: 'connected',
          ...keptStatuses[shape],
          accounts: [],
          paper: true,
          tsMs: NOW,
          capabilities: g.responder.capabilities,
        });
        await poll('the status stored', () => g.bus.jetstream.lastMessage(BROKER_STATUS_STREAM.name, status), {
          timeoutMs: 10_000,
        });
        g.responder.close(); // the gateway is gone: status and fetchHistory have no responder
        await g.startApp(); // a fresh process: no announcement in memory
        const cached = await fetchBars(g.bus, { ...query, cachedOnly: true });
        expect(cached.missing).toEqual([]);
        expect(cached.bars).toEqual(cold.bars);
        // A range not cached says so instead of failing on the missing gateway.
        const older = await fetchBars(g.bus, {
          ...query,
          startMs: NOW - 9 * DAY,
          endMs: NOW - 8 * DAY,
          cachedOnly: true,
        });
        expect(older.missing.map((m) => m.code)).toEqual(['HISTORY_PARTIAL']);
      } finally {
        await g.close();
      }
    },
    60_000,
  );
});
