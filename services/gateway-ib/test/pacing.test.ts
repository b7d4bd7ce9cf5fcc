import { describe, expect, test } from 'vitest';
import { PriorityLanes } from '../src/governor.js';
import { HistoryPacer, type PacedRequest, type SentEntry } from '../src/history-pacing.js';

describe('PriorityLanes', () => {
  test('cancels first, then orders, then data; FIFO within a lane', () => {
    const q = new PriorityLanes<string>();
    q.push('data', 'd1');
    q.push('order', 'o1');
    q.push('data', 'd2');
    q.push('cancel', 'c1');
    q.push('order', 'o2');
    expect([q.shift(), q.shift(), q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([
      'c1',
      'o1',
      'o2',
      'd1',
      'd2',
      undefined,
    ]);
  });
});

describe('HistoryPacer', () => {
  const req = (i: number, over: Partial<PacedRequest> = {}): PacedRequest => ({
    identity: `r${i}`,
    series: 'AAPL|TRADES',
    barSeconds: 5,
    bidAsk: false,
    ...over,
  });
  /** Sent at `at` and answered at once (IB counted it then). */
  const sendAt = (p: HistoryPacer, r: PacedRequest, at: number): void => {
    p.answered(p.recordSend(r, at), at);
  };

  test('identical requests wait 15 s', () => {
    const p = new HistoryPacer({ marginMs: 0 });
    sendAt(p, req(1), 0);
    p.done();
    expect(p.waitMs(req(1), 1_000)).toBe(14_000);
    expect(p.check(req(1), 1_000).rule).toBe('identical');
    expect(p.waitMs(req(2, { series: 'other' }), 1_000)).toBe(0);
  });

  test('at most 5 per series in 2 s; BID_ASK weighs 2', () => {
    const p = new HistoryPacer({ marginMs: 0 });
    for (let i = 0; i < 5; i++) sendAt(p, req(i), i * 10);
    expect(p.waitMs(req(9), 100)).toBe(2_000 - 100);
    expect(p.check(req(9), 100).rule).toBe('burst');
    expect(p.waitMs(req(9, { series: 'MSFT|TRADES' }), 100)).toBe(0);
    const q = new HistoryPacer({ marginMs: 0 });
    for (let i = 0; i < 4; i++) sendAt(q, req(i), 0);
    expect(q.waitMs(req(9), 10)).toBe(0);
    expect(q.waitMs(req(9, { bidAsk: true }), 10)).toBe(1_990);
  });

  test('a window starts when IB answered, and at "now" while it has not: late receipt never breaks a rule', () => {
    const p = new HistoryPacer({ marginMs: 0 });
    const entries = Array.from({ length: 5 }, (_, i) => p.recordSend(req(i), 0));
    // Unanswered: IB may receive them any moment, so the window is always a full one from now.
    expect(p.waitMs(req(9), 1_500)).toBe(2_000);
    expect(p.waitMs(req(9), 5_000)).toBe(2_000);
    // IB answered the first at 300 ms (a slow network): it counted it no later than that.
    p.answered(entries[0] as SentEntry, 300);
    for (const e of entries.slice(1)) p.answered(e, 350);
    expect(p.waitMs(req(9), 1_000)).toBe(2_300 - 1_000);
    p.answered(entries[0] as SentEntry, 900); // only the first answer counts
    expect(p.waitMs(req(9), 1_000)).toBe(1_300);
  });

  test('at most 60 in 10 minutes, scaled; unpaced bar sizes only count as open requests', () => {
    const p = new HistoryPacer({ marginMs: 0, timeScale: 60 });
    for (let i = 0; i < 60; i++) {
      sendAt(p, req(i, { series: `s${i}` }), i * 100);
      p.done();
    }
    expect(p.waitMs(req(100, { series: 'x' }), 6_000)).toBe(10_000 - 6_000);
    expect(p.check(req(100, { series: 'x' }), 6_000).rule).toBe('long');
    expect(p.waitMs(req(101, { series: 'x', barSeconds: 3600 }), 6_000)).toBe(0);
    expect(p.waitMs(req(100, { series: 'x' }), 9_999)).toBe(1);
    expect(p.waitMs(req(100, { series: 'x' }), 10_000)).toBe(0);
  });

  test('50 open requests block everything until one is done', () => {
    const p = new HistoryPacer({ marginMs: 0 });
    for (let i = 0; i < 50; i++) p.recordSend(req(i, { series: `s${i}`, barSeconds: 86_400 }), 0);
    expect(p.waitMs(req(99, { barSeconds: 86_400 }), 0)).toBe(Number.POSITIVE_INFINITY);
    expect(p.check(req(99, { barSeconds: 86_400 }), 0).rule).toBe('open');
    p.done();
    expect(p.waitMs(req(99, { barSeconds: 86_400 }), 0)).toBe(0);
    expect(p.openRequests).toBe(49);
  });

  test('a series IB refused anyway is held for the pause', () => {
    const p = new HistoryPacer({ marginMs: 0 });
    p.holdSeries('AAPL|TRADES', 15_000);
    expect(p.waitMs(req(1), 1_000)).toBe(14_000);
    expect(p.waitMs(req(1, { series: 'MSFT|TRADES' }), 1_000)).toBe(0);
    expect(p.waitMs(req(1), 15_000)).toBe(0);
  });
});
