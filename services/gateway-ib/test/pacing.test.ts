import { describe, expect, test } from 'vitest';
import { type GovernorClock, OutboundGovernor, PriorityLanes, RateWindow } from '../src/governor.js';
import { HistoryPacer, type PacedRequest, type SentEntry } from '../src/history-pacing.js';

describe('RateWindow', () => {
  test('never more than perSecond in any sliding second, nor perTick in any 100 ms', () => {
    const w = new RateWindow({ perSecond: 40 });
    expect(w.perTick).toBe(4);
    const sent: number[] = [];
    let now = 0;
    while (sent.length < 200) {
      const wait = w.waitMs(now);
      if (wait === 0) {
        w.record(now);
        sent.push(now);
      } else now += wait;
    }
    for (let i = 0; i < sent.length; i++) {
      const t = sent[i] as number;
      expect(sent.filter((s) => s > t - 1_000 && s <= t).length).toBeLessThanOrEqual(40);
      expect(sent.filter((s) => s > t - 100 && s <= t).length).toBeLessThanOrEqual(4);
    }
    // Throughput stays at the limit: 200 messages in about 5 s.
    expect(sent.at(-1)).toBeGreaterThanOrEqual(4_000);
    expect(sent.at(-1)).toBeLessThan(5_200);
  });

  test('a send of several messages counts each of them (reqMarketDataType + reqMktData is two)', () => {
    const w = new RateWindow({ perSecond: 5, perTick: 5, guardMs: 0 });
    w.record(0, 2);
    w.record(0, 2);
    expect(w.countLastSecond(0)).toBe(4);
    expect(w.waitMs(0, 1)).toBe(0);
    // Two more would make six in the second: the pair waits until the first pair leaves the window.
    expect(w.waitMs(0, 2)).toBe(1_000);
    expect(w.waitMs(999, 2)).toBe(1);
    expect(w.waitMs(1_000, 2)).toBe(0);
  });

  test('refuses a nonsense limit', () => {
    expect(() => new RateWindow({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new RateWindow({ perSecond: 50, guardMs: -1 })).toThrow(RangeError);
  });

  /** Most messages the receiver sees in one sliding second when each arrives `delay(i)` ms after it was sent. */
  function peakAtReceiver(w: RateWindow, count: number, delay: (i: number) => number): number {
    const sent: number[] = [];
    let now = 0;
    while (sent.length < count) {
      const wait = w.waitMs(now);
      if (wait === 0) {
        w.record(now);
        sent.push(now);
      } else now += wait;
    }
    const arrived = sent.map((t, i) => t + delay(i)).sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < arrived.length; i++) {
      while ((arrived[j] as number) <= (arrived[i] as number) - 1_000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    return peak;
  }

  test('TWS counts at arrival: jitter below the guard never puts more than perSecond in its second', () => {
    // The first tick of every other second is held up on the way (a busy event loop at either end).
    const delay = (ms: number) => (i: number) => (i % 100 < 5 ? ms : 0);
    expect(peakAtReceiver(new RateWindow({ perSecond: 50 }), 1_000, delay(40))).toBeLessThanOrEqual(50);
    expect(peakAtReceiver(new RateWindow({ perSecond: 50, guardMs: 20 }), 1_000, delay(19))).toBeLessThanOrEqual(50);
    // Without the guard the same jitter breaks IB's limit: what the guard is for.
    expect(peakAtReceiver(new RateWindow({ perSecond: 50, guardMs: 0 }), 1_000, delay(10))).toBeGreaterThan(50);
  });
});

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

/** A manual clock for the governor: time moves only when the test says so. */
function manual(): GovernorClock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = target;
    },
  };
}

describe('OutboundGovernor', () => {
  test('a cancel submitted behind a data burst goes out before the queued data', () => {
    const clock = manual();
    const out: string[] = [];
    const g = new OutboundGovernor({ perSecond: 10, perTick: 1 }, clock);
    for (let i = 0; i < 5; i++) g.submit('data', () => out.push(`d${i}`));
    expect(out).toEqual(['d0']);
    g.submit('cancel', () => out.push('c'));
    g.submit('order', () => out.push('o'));
    clock.advance(1_000);
    expect(out).toEqual(['d0', 'c', 'o', 'd1', 'd2', 'd3', 'd4']);
    expect(g.totalSent).toBe(7);
    // d0 went at once; the six others waited for the window, each at least the 100 ms tick.
    expect(g.totalWaitMs).toBeGreaterThanOrEqual(600);
  });

  test('a message sent outside the governor (START_API) counts against the window', () => {
    const clock = manual();
    const out: number[] = [];
    const g = new OutboundGovernor({ perSecond: 3, perTick: 3 }, clock);
    g.noteUnpaced();
    for (let i = 0; i < 3; i++) g.submit('data', () => out.push(i));
    expect(out).toEqual([0, 1]);
    clock.advance(1_050);
    expect(out).toEqual([0, 1, 2]);
  });

  test('an entry whose deadline passed before its turn is dropped with a reason, never sent', () => {
    const clock = manual();
    const out: string[] = [];
    const dropped: string[] = [];
    const g = new OutboundGovernor({ perSecond: 10, perTick: 1 }, clock);
    g.submit('data', () => out.push('d0'));
    // Two orders with a 350 ms budget; cancels arriving later jump ahead of them (one per 100 ms).
    for (const o of ['o1', 'o2'])
      g.submit('order', () => out.push(o), { deadlineMs: 350, onDrop: (r) => dropped.push(`${o}:${r}`) });
    g.submit('cancel', () => out.push('c1'));
    g.submit('cancel', () => out.push('c2'));
    expect(g.estimateWaitMs('order')).toBeGreaterThanOrEqual(400);
    expect(g.estimateWaitMs('cancel')).toBeLessThan(g.estimateWaitMs('order'));
    clock.advance(1_000);
    expect(out).toEqual(['d0', 'c1', 'c2', 'o1']);
    expect(dropped).toEqual(['o2:deadline']);
    expect(g.totalSent).toBe(4);
  });

  test('clear and stop tell every queued entry it was not sent', () => {
    const clock = manual();
    const dropped: string[] = [];
    const g = new OutboundGovernor({ perSecond: 10, perTick: 1 }, clock);
    g.submit('order', () => undefined);
    g.submit('order', () => undefined, { onDrop: (r) => dropped.push(`a:${r}`) });
    g.submit('cancel', () => undefined, { onDrop: (r) => dropped.push(`b:${r}`) });
    expect(g.clear()).toBe(2);
    g.submit('order', () => undefined, { onDrop: (r) => dropped.push(`c:${r}`) });
    g.stop();
    expect(dropped).toEqual(['b:cleared', 'a:cleared', 'c:stopped']);
  });

  test('a send of two messages waits for room for both, and a send of more than the limit is refused', () => {
    const clock = manual();
    const out: string[] = [];
    const g = new OutboundGovernor({ perSecond: 3, perTick: 3, guardMs: 0 }, clock);
    g.submit('data', () => out.push('a'));
    g.submit('data', () => out.push('b'));
    g.submit('data', () => out.push('pair'), { messages: 2 });
    expect(out).toEqual(['a', 'b']);
    clock.advance(999);
    expect(out).toEqual(['a', 'b']);
    clock.advance(1);
    expect(out).toEqual(['a', 'b', 'pair']);
    expect(() => g.submit('data', () => undefined, { messages: 4 })).toThrow(RangeError);
    expect(() => g.submit('data', () => undefined, { messages: 0 })).toThrow(RangeError);
  });

  test('a throwing send is reported and the queue goes on', () => {
    const clock = manual();
    const errors: unknown[] = [];
    const out: number[] = [];
    const g = new OutboundGovernor({ perSecond: 50 }, clock, (e) => errors.push(e));
    g.submit('data', () => {
      throw new Error('boom');
    });
    g.submit('data', () => out.push(1));
    clock.advance(200);
    expect(errors).toHaveLength(1);
    expect(out).toEqual([1]);
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
