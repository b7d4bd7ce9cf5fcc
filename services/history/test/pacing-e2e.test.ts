/**
 * Issue 14.4: two history downloads at once must keep IB's pacing (identical request 15 s, 6 per 2 s per contract,
 * 60 per 10 min, 50 open) across every client of the IB login, with no 162 at the broker, and the ETA on
 * hist.stream must stay true while requests wait. ib-sim enforces IB's pacing (windows shrunk by SCALE, on both
 * sides); the gateway reaches it through a TCP proxy with network jitter, so IB receives requests at other
 * intervals than they were sent — as over a real network or a busy event loop.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { fetchBars } from '@trading-system/clients';
import type { HistBarsQuery, HistProgress } from '@trading-system/contracts';
import { IN, type Session, type SimControl } from '@trading-system/ib-sim';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SimStack, startSimStack } from './sim-stack.js';

/** IB's windows ÷ 60: 10 minutes → 10 s, 2 s → 33 ms, 15 s → 250 ms. */
const SCALE = 60;
/** Client → ib-sim bytes are held 0..JITTER_MS (order kept): far more than the scaled 2-s window. */
const JITTER_MS = 250;
/** Tuesday 2024-03-12 11:00 New York. */
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');
const AAPL = '265598';
const MSFT = '272093';

interface Tap {
  requests: number;
  pacingErrors: string[];
}

/** Counts what ib-sim receives and every pacing violation it answers. */
function tapped(tap: Tap) {
  const watched = (session: Session): Session =>
    new Proxy(session, {
      get(target, prop) {
        if (prop === 'error') {
          return (reqId: number, code: number, text: string) => {
            if (/pacing violation/i.test(text)) tap.pacingErrors.push(`reqId ${reqId}: ${code} ${text}`);
            target.error(reqId, code, text);
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return (control: SimControl) => {
    const original = control.registry.get(IN.REQ_HISTORICAL_DATA);
    if (original === undefined) throw new Error('ib-sim has no reqHistoricalData handler');
    control.registry.register(IN.REQ_HISTORICAL_DATA, (session, r, context) => {
      tap.requests++;
      original(watched(session), r, context);
    });
  };
}

/** A TCP proxy that delays client → server bytes by a random 0..jitterMs each, never reordering them. */
async function jitterProxy(targetPort: number, jitterMs: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let releaseAt = 0;
    client.on('data', (chunk) => {
      releaseAt = Math.max(releaseAt, Date.now() + Math.random() * jitterMs);
      setTimeout(() => upstream.write(chunk), releaseAt - Date.now());
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

interface Observed {
  readonly atMs: number;
  readonly p: HistProgress;
}

async function download(stack: SimStack, broker: string, instrumentId: string, progress: Observed[]) {
  const q: HistBarsQuery = {
    broker,
    instrument: { id: instrumentId },
    duration: '2 D',
    barSize: '5 secs',
    useRth: true,
    cachedOnly: false,
    endMs: TUESDAY_1100_ET,
  };
  const r = await fetchBars(stack.nats.bus, q, {
    idleTimeoutMs: 5_000,
    onProgress: (p) => progress.push({ atMs: performance.now(), p }),
  });
  return { r, endMs: performance.now() };
}

let proxy: { port: number; close(): void } | undefined;
const tap: Tap = { requests: 0, pacingErrors: [] };
let stack: SimStack;

beforeAll(async () => {
  stack = await startSimStack({
    simAtMs: TUESDAY_1100_ET + 3_600_000,
    sim: { pacing: { timeScale: SCALE }, register: tapped(tap) },
    brokers: 2,
    // No safety margin: the windows must hold because of when IB answered, not by luck.
    brokerOptions: { historyPacing: { timeScale: SCALE, marginMs: 0 } },
    history: { fetchConcurrency: 4, fetchTimeoutMs: 3_000 },
    connectPort: async (simPort) => {
      proxy = await jitterProxy(simPort, JITTER_MS);
      return proxy.port;
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  proxy?.close();
});

describe('history pacing across concurrent downloads (ib-sim over a jittery TCP link)', () => {
  test('two 5-secs downloads at once: no pacing violation at IB, nothing missing, a true ETA all along', async () => {
    const before = tap.requests;
    const pa: Observed[] = [];
    const pm: Observed[] = [];
    const started = performance.now();
    const [a, m] = await Promise.all([
      download(stack, stack.broker, AAPL, pa),
      download(stack, stack.broker, MSFT, pm),
    ]);
    const requests = tap.requests - before;

    expect(tap.pacingErrors).toEqual([]);
    // More than IB allows in 10 minutes, so the second half had to wait for the window (10 s here).
    expect(requests).toBeGreaterThan(60);
    expect(Math.max(a.endMs, m.endMs) - started).toBeGreaterThan(600_000 / SCALE - 1_000);
    for (const { r } of [a, m]) {
      expect(r.missing).toEqual([]);
      expect(r.partial).toBe(false);
      // Monday's RTH session and Tuesday 09:30-11:00 in 5-s bars.
      expect(r.bars).toHaveLength((390 + 90) * 12);
    }

    for (const [observed, end] of [
      [pa, a.endMs],
      [pm, m.endMs],
    ] as const) {
      // Progress never stops while requests wait (the client's idle timeout was 5 s, the wait 10 s).
      const times = [started, ...observed.map((o) => o.atMs), end];
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      // (One report a second; the bound leaves room for timers delayed on a loaded machine.)
      expect(Math.max(...gaps)).toBeLessThan(4_000);
      // The ETA is true: within 2 s (+20 %) of the time that was really left, while requests wait (reports with
      // nothing finished since the one before) and after the first 4 s. Before that it may lag: a download learns
      // the other's demand from the gateway's queue only once both have announced it, and on a loaded machine a
      // forecast can come late.
      const judged = observed.filter(
        (o, i) =>
          o.p.etaMs !== undefined &&
          i > 0 &&
          (o.atMs - started > 4_000 || o.p.chunksDone === observed[i - 1]?.p.chunksDone),
      );
      expect(judged.length).toBeGreaterThan(4);
      for (const o of judged) {
        const left = end - o.atMs;
        expect(
          Math.abs((o.p.etaMs as number) - left),
          `eta ${o.p.etaMs} ms, really ${Math.round(left)} ms`,
        ).toBeLessThan(2_000 + 0.2 * left);
      }
    }
  }, 120_000);

  test("the same contract from two connections of one login at once: one queue, IB's limits hold", async () => {
    const before = tap.requests;
    // Two API clients of the same TWS download the same contract, all hours: same series, identical requests.
    const both = await Promise.all(
      stack.brokers.map((broker) =>
        fetchBars(stack.nats.bus, {
          broker,
          instrument: { id: AAPL },
          duration: '1 D',
          barSize: '5 secs',
          useRth: false,
          cachedOnly: false,
          endMs: TUESDAY_1100_ET,
        }),
      ),
    );
    for (const r of both) expect(r.missing).toEqual([]);
    expect(both[1]?.bars).toEqual(both[0]?.bars);
    expect(tap.requests - before).toBeGreaterThanOrEqual(20);
    expect(tap.pacingErrors).toEqual([]);
  }, 120_000);
});
