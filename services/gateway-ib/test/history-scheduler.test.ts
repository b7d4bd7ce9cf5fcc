/**
 * The scheduler of one IB login, pure (fake time): requests of several series and connections go in IB's pacing,
 * a forecast made before anything is sent predicts every send time, and waits for pacing never time a request out.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { HistoryPacer, type PacedRequest, type SentEntry } from '../src/history-pacing.js';
import { HistoryScheduler, type ScheduledJob } from '../src/history-scheduler.js';

const ANSWER_MS = 250;

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Sent {
  readonly requestId: string;
  readonly series: string;
  readonly atMs: number;
}

function setup(rules = {}) {
  const scheduler = new HistoryScheduler(new HistoryPacer({ marginMs: 0, ...rules }), () => Date.now());
  const sent: Sent[] = [];
  const expired: string[] = [];
  const job = (requestId: string, series: string, over: Partial<PacedRequest> = {}): ScheduledJob => ({
    requestId,
    paced: { identity: requestId, series, barSeconds: 5, bidAsk: false, ...over },
    timeoutMs: 3_000,
    enqueuedMs: Date.now(),
    ready: () => true,
    send(entry: SentEntry) {
      sent.push({ requestId, series, atMs: Date.now() });
      setTimeout(() => {
        scheduler.answered(entry);
        scheduler.done(entry);
      }, ANSWER_MS);
    },
    expire: () => expired.push(requestId),
  });
  return { scheduler, sent, expired, job };
}

describe('HistoryScheduler', () => {
  test('70 requests of two series keep every rule, none times out waiting, and the forecast was right', async () => {
    const { scheduler, sent, expired, job } = setup();
    // Teach the scheduler the answer time first (its forecast assumes the recent average).
    for (let i = 0; i < 10; i++) {
      scheduler.enqueue(job(`warm-${i}`, `warm${i}`, { barSeconds: 3600 }));
      await vi.advanceTimersByTimeAsync(ANSWER_MS);
    }
    const start = Date.now();
    const jobs = Array.from({ length: 70 }, (_, i) => job(`dl-${i % 2 ? 'a' : 'm'}-${i}`, i % 2 ? 'AAPL' : 'MSFT'));
    for (const j of jobs.slice(0, 40)) scheduler.enqueue(j);
    const f = scheduler.forecast({
      requestIdPrefix: 'dl-',
      more: { paced: { identity: 'more', series: 'AAPL', barSeconds: 5, bidAsk: false }, count: 30 },
    });
    for (const j of jobs.slice(40)) scheduler.enqueue(j);
    await vi.advanceTimersByTimeAsync(20 * 60_000);

    expect(expired).toEqual([]);
    const dl = sent.filter((s) => s.requestId.startsWith('dl-'));
    expect(dl).toHaveLength(70);
    // Rules, with IB counting each request at its send or at its answer (both must hold).
    for (const lag of [0, ANSWER_MS]) {
      const at = dl.map((s) => ({ ...s, t: s.atMs + lag }));
      for (const s of at) {
        expect(at.filter((o) => o.t > s.t - 600_000 && o.t <= s.t).length).toBeLessThanOrEqual(60);
        expect(at.filter((o) => o.series === s.series && o.t > s.t - 2_000 && o.t <= s.t).length).toBeLessThanOrEqual(
          5,
        );
      }
    }
    // The 61st request of the login had to wait for the 10-minute window.
    expect(Math.max(...dl.map((s) => s.atMs)) - start).toBeGreaterThan(590_000);
    // Forecast of the 40 queued requests: exact (same decisions, same answer time).
    for (const w of f.waiting) expect(w.sendAtMs).toBe(sent.find((s) => s.requestId === w.requestId)?.atMs);
    // The 30 not queued yet were forecast as one series of AAPL requests; 30 real ones of both series came.
    const last = Math.max(...dl.map((s) => s.atMs));
    expect(f.more?.lastSendAtMs).toBeGreaterThan(start + 590_000);
    expect(Math.abs((f.more?.lastSendAtMs ?? 0) - last)).toBeLessThan(15_000);
  });

  test('a request waiting for its connection times out; one waiting for pacing does not', async () => {
    const { scheduler, sent, expired, job } = setup({ timeScale: 1 });
    let up = false;
    const offline = { ...job('offline', 'IBM'), ready: () => up };
    for (let i = 0; i < 5; i++) scheduler.enqueue(job(`b-${i}`, 'AAPL'));
    scheduler.enqueue(job('b-held', 'AAPL'));
    scheduler.enqueue(offline);
    await vi.advanceTimersByTimeAsync(3_100);
    expect(expired).toEqual(['offline']);
    expect(sent.map((s) => s.requestId)).toContain('b-held');
    up = true;
  });
});
