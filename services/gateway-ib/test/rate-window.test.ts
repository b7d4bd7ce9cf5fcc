import { seededRandom } from '@trading-system/testkit';
import { describe, expect, test } from 'vitest';
import { type GovernorClock, OutboundGovernor, orderAnswer, reqAnswer } from '../src/governor.js';
import { RateWindow } from '../src/rate-window.js';

/** A manual clock: time moves only when the test says so; timers fire in time order. */
function manual(): GovernorClock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  let seq = 0;
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + Math.max(0, ms), seq: seq++, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (due === undefined) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = target;
    },
  };
}

/** Most reads TWS saw in one sliding second (t − 1 000, t], as ib-sim and TWS count. */
function peakPerSecond(reads: readonly number[]): number {
  let peak = 0;
  for (let i = 0, j = 0; i < reads.length; i++) {
    while ((reads[j] as number) <= (reads[i] as number) - 1_000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

describe('RateWindow (proven-read window)', () => {
  test('an unproven message stays counted however long ago it was written; a proven one leaves 1 s after its proof', () => {
    const w = new RateWindow({ perSecond: 3, perTick: 3 });
    w.record(0);
    w.record(0);
    // Two written, one place kept: the third must wait for a proof, and time alone never gives one.
    expect(w.waitMs(0, 1, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(w.waitMs(60_000, 1, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(w.waitMs(60_000, 1, 0)).toBe(0);
    // Read by 60 000 (an answer arrived then): counted until 61 000, not from when it was written.
    w.readThrough(0, 60_000);
    expect(w.waitMs(60_000, 1, 1)).toBe(1_000);
    expect(w.waitMs(60_999, 1, 1)).toBe(1);
    expect(w.waitMs(61_000, 1, 1)).toBe(0);
    expect(w.counted(61_000)).toBe(1);
    expect(w.unproven).toBe(1);
  });

  test('a proof covers every message written before the one it answers (one socket, read in order)', () => {
    const w = new RateWindow({ perSecond: 10 });
    for (let i = 0; i < 5; i++) w.record(i * 10);
    w.readThrough(3, 100);
    expect(w.proven(3)).toBe(true);
    expect(w.proven(4)).toBe(false);
    expect(w.unproven).toBe(1);
    // A late proof of an earlier message changes nothing.
    w.readThrough(1, 5_000);
    expect(w.counted(1_100)).toBe(1);
  });

  test('a send of several messages counts each of them (reqMarketDataType + reqMktData is two)', () => {
    const w = new RateWindow({ perSecond: 5, perTick: 5 });
    w.record(0, 2);
    expect(w.waitMs(0, 2, 1)).toBe(0);
    w.record(0, 2);
    w.allRead(10);
    expect(w.waitMs(10, 2, 1)).toBe(1_000);
    expect(w.waitMs(1_010, 2, 1)).toBe(0);
  });

  test('at most perTick in any 100 ms at write time (bursts are spread)', () => {
    const w = new RateWindow({ perSecond: 40 });
    expect(w.perTick).toBe(4);
    for (let i = 0; i < 4; i++) w.record(0);
    expect(w.waitMs(0, 1, 1)).toBe(100);
    expect(w.waitMs(100, 1, 1)).toBe(0);
  });

  test('a new socket starts a new count', () => {
    const w = new RateWindow({ perSecond: 3, perTick: 3 });
    w.record(0, 2);
    w.reset();
    expect(w.counted(0)).toBe(0);
    expect(w.unproven).toBe(0);
    expect(w.waitMs(0, 2, 1)).toBe(0);
  });

  test('below the ceiling the configured rate is counted at write time, and a probe is not held to it', () => {
    const w = new RateWindow({ perSecond: 3, ceiling: 10, perTick: 10 });
    for (let i = 0; i < 3; i++) w.record(0);
    // Nothing proven, but the ceiling has room: time alone frees the configured rate's places.
    expect(w.waitMs(0, 1, 1)).toBe(1_000);
    expect(w.waitMs(999, 1, 1)).toBe(1);
    expect(w.waitMs(1_000, 1, 1)).toBe(0);
    // A probe takes a place of the ceiling only.
    expect(w.waitMs(0, 1, 0, true)).toBe(0);
    w.record(0, 1, true);
    expect(w.counted(0)).toBe(4);
    // Unproven messages still fill the ceiling: past it, only a proof makes room.
    for (let t = 1_000; t <= 3_000; t += 1_000) for (let i = 0; i < 3; i++) w.record(t);
    expect(w.counted(3_000)).toBe(13 - 0);
    expect(w.waitMs(4_000, 1, 1)).toBe(Number.POSITIVE_INFINITY);
    w.allRead(4_100);
    expect(w.waitMs(4_100, 1, 1)).toBe(1_000);
    expect(w.waitMs(5_100, 1, 1)).toBe(0);
  });

  test('refuses a nonsense limit', () => {
    expect(() => new RateWindow({ perSecond: 1 })).toThrow(RangeError);
    expect(() => new RateWindow({ perSecond: 40, ceiling: 39 })).toThrow(RangeError);
    expect(() => new RateWindow({ perSecond: 50, perTick: 0 })).toThrow(RangeError);
  });
});

/**
 * The governor against a simulated TWS that reads each message late by a random lag (FIFO: never before the one
 * ahead of it), with reader stalls of up to `stallMs`, and answers probes and new requests when it reads them.
 * Returns TWS's reads, the governor and what went out.
 */
function runAgainstLaggyTws(options: {
  perSecond: number;
  ceiling?: number;
  seed: number;
  stallMs: number;
  offered: number;
  offerEveryMs: number;
  answeredShare: number;
}) {
  const clock = manual();
  const random = seededRandom(options.seed);
  const reads: number[] = [];
  let lastRead = 0;
  const tws = (answer?: () => void): void => {
    // Usually a few ms; now and then the reader stalls (GC, descheduled, a busy loop) or Nagle holds a segment.
    const roll = random();
    const lag = roll < 0.05 ? random() * options.stallMs : roll < 0.15 ? 40 + random() * 100 : random() * 5;
    const at = Math.max(lastRead, clock.now() + lag);
    lastRead = at;
    reads.push(at);
    if (answer !== undefined) clock.setTimeout(answer, at - clock.now() + random() * 3);
  };
  const g: OutboundGovernor = new OutboundGovernor(
    {
      perSecond: options.perSecond,
      ...(options.ceiling === undefined ? {} : { ceiling: options.ceiling }),
      probe: () => tws(() => g.currentTimeAnswered()),
    },
    clock,
  );
  let sent = 0;
  let nextId = 1;
  for (let i = 0; i < options.offered; i++) {
    clock.setTimeout(() => {
      const id = nextId++;
      const answered = random() < options.answeredShare;
      g.submit(
        i % 7 === 0 ? 'data' : 'order',
        () => {
          sent++;
          tws(answered ? () => g.answered(reqAnswer(id)) : undefined);
        },
        answered ? { answeredBy: reqAnswer(id) } : {},
      );
    }, i * options.offerEveryMs);
  }
  clock.advance(options.offered * options.offerEveryMs + 120_000);
  return { reads, g, sent };
}

describe('OutboundGovernor against a TWS that reads late', () => {
  test('offered 50/s for 20 s, TWS never counts more than 50 in a second, whatever the lag (20 seeds; configured at 50, and at 40 under the ceiling)', () => {
    for (const limits of [{ perSecond: 50 }, { perSecond: 40, ceiling: 50 }])
      for (let seed = 1; seed <= 20; seed++) {
        const { reads, g, sent } = runAgainstLaggyTws({
          ...limits,
          seed,
          stallMs: 2_000,
          offered: 1_000,
          offerEveryMs: 20,
          answeredShare: 0.8,
        });
        const name = `${JSON.stringify(limits)} seed ${seed}`;
        expect(peakPerSecond(reads), name).toBeLessThanOrEqual(50);
        // Nothing dropped: every offered message went out, in the end.
        expect(sent, name).toBe(1_000);
        expect(g.queued).toBe(0);
      }
  });

  test('the same load stamped at write time with a 50 ms guard (the window before) breaks the limit', () => {
    // What the proof replaces: 50 per 1 050 ms counted at write time, and the same lags.
    const random = seededRandom(7);
    const written: number[] = [];
    let t = 0;
    while (written.length < 1_000) {
      const inWindow = written.filter((w) => w > t - 1_050).length;
      if (inWindow < 50) written.push(t);
      else t += 1;
    }
    let lastRead = 0;
    const reads = written.map((w) => {
      const roll = random();
      const lag = roll < 0.05 ? random() * 2_000 : roll < 0.15 ? 40 + random() * 100 : random() * 5;
      lastRead = Math.max(lastRead, w + lag);
      return lastRead;
    });
    expect(peakPerSecond(reads)).toBeGreaterThan(50);
  });

  test('configured at 40 under IB’s 50, a burst of answerless messages keeps close to 40/s', () => {
    // 400 cancels at once (nothing answers them; only probes prove them) to a quick reader: 40/s, probes aside.
    const { reads, g, sent } = runAgainstLaggyTws({
      perSecond: 40,
      ceiling: 50,
      seed: 5,
      stallMs: 0,
      offered: 400,
      offerEveryMs: 0,
      answeredShare: 0,
    });
    expect(sent).toBe(400);
    const span = (reads.at(-1) ?? 0) - (reads[0] ?? 0);
    // 400 at 40/s is 9.9 s from the first to the last. With nothing answered, every place of the ceiling is held
    // a second plus the wait for its probe (probes every 10, reader lags to 140 ms): ~35/s here (11.4 s), the
    // price of the proof for answerless traffic only — answered messages prove themselves.
    expect(span).toBeGreaterThanOrEqual(9_900);
    expect(span).toBeLessThan(12_000);
    expect(g.probesSent).toBeLessThanOrEqual(45);
    expect(peakPerSecond(reads)).toBeLessThanOrEqual(50);
  });

  test('with answers proving most messages, a quick reader gets close to the configured rate', () => {
    const { reads, sent } = runAgainstLaggyTws({
      perSecond: 50,
      seed: 3,
      stallMs: 0,
      offered: 500,
      offerEveryMs: 20,
      answeredShare: 1,
    });
    expect(sent).toBe(500);
    // 500 offered over 10 s at 50/s; proven within ms (lags ≤ 140 ms here), it keeps up within ~1.5 s.
    expect((reads.at(-1) ?? 0) - (reads[0] ?? 0)).toBeLessThan(11_500);
    expect(peakPerSecond(reads)).toBeLessThanOrEqual(50);
  });
});

describe('OutboundGovernor', () => {
  const noProbe = (): void => undefined;

  test('a cancel submitted behind a data burst goes out before the queued data', () => {
    const clock = manual();
    const out: string[] = [];
    const g = new OutboundGovernor({ perSecond: 10, perTick: 1, probe: noProbe }, clock);
    for (let i = 0; i < 5; i++) g.submit('data', () => out.push(`d${i}`));
    expect(out).toEqual(['d0']);
    g.submit('cancel', () => out.push('c'));
    g.submit('order', () => out.push('o'));
    clock.advance(1_000);
    expect(out).toEqual(['d0', 'c', 'o', 'd1', 'd2', 'd3', 'd4']);
    expect(g.totalSent).toBe(7);
    // d0 went at once; the six others waited for the 100 ms smoothing.
    expect(g.totalWaitMs).toBeGreaterThanOrEqual(600);
  });

  test('START_API counts; when only a proof can make room a probe goes in the kept place, and its answer frees it', () => {
    const clock = manual();
    const out: string[] = [];
    const g = new OutboundGovernor({ perSecond: 3, perTick: 3, probe: () => out.push('probe') }, clock);
    g.noteUnpaced();
    for (let i = 0; i < 3; i++) g.submit('data', () => out.push(`d${i}`));
    // START_API + d0 fill the places a send may take; the third is the probe's.
    expect(out).toEqual(['d0', 'probe']);
    clock.advance(10_000);
    expect(out).toEqual(['d0', 'probe']);
    clock.advance(5);
    g.currentTimeAnswered();
    // Read by 10 005: all three are counted until 11 005.
    clock.advance(999);
    expect(out).toEqual(['d0', 'probe']);
    clock.advance(1);
    // The two places a send may take are free again.
    expect(out).toEqual(['d0', 'probe', 'd1', 'd2']);
    expect(g.probesSent).toBe(1);
  });

  test('an answer naming a request proves it read; a probe also follows an idle queue and every 10 unproven', () => {
    const clock = manual();
    let probes = 0;
    const g = new OutboundGovernor({ perSecond: 50, probe: () => probes++ }, clock);
    g.submit('data', () => undefined, { answeredBy: reqAnswer(7) });
    g.answered(reqAnswer(7));
    clock.advance(1_000);
    expect(probes).toBe(0);
    g.submit('data', () => undefined);
    clock.advance(249);
    expect(probes).toBe(0);
    clock.advance(1);
    expect(probes).toBe(1);
    g.currentTimeAnswered();
    for (let i = 0; i < 10; i++) g.submit('data', () => undefined);
    clock.advance(1_000);
    expect(probes).toBe(2);
  });

  test('a reqId and an order id of the same number are told apart', () => {
    const clock = manual();
    const out: string[] = [];
    const g = new OutboundGovernor({ perSecond: 3, perTick: 3, probe: () => out.push('probe') }, clock);
    // A market-data line on reqId 5, long read; then a new order that happens to get id 5.
    g.submit('data', () => out.push('line 5'), { answeredBy: reqAnswer(5) });
    g.answered(reqAnswer(5));
    clock.advance(2_000);
    g.submit('order', () => out.push('place 5'), { answeredBy: orderAnswer(5) });
    g.submit('order', () => out.push('place 6'), { answeredBy: orderAnswer(6) });
    g.submit('data', () => out.push('next'));
    // Two places taken (the third is the probe's): the next send waits for a proof.
    expect(out).toEqual(['line 5', 'place 5', 'place 6', 'probe']);
    // The line's ticks go on naming reqId 5: they prove nothing about order 5.
    g.answered(reqAnswer(5));
    clock.advance(5_000);
    expect(out).toEqual(['line 5', 'place 5', 'place 6', 'probe']);
    // Order 6's own status proves it and order 5 before it; a second later their places are free.
    g.answered(orderAnswer(6));
    clock.advance(1_000);
    expect(out).toEqual(['line 5', 'place 5', 'place 6', 'probe', 'next']);
  });

  test('the broker clock’s reqCurrentTime pairs with its answer like a probe (answers come in order)', () => {
    const clock = manual();
    let probes = 0;
    const out: string[] = [];
    const g = new OutboundGovernor({ perSecond: 3, perTick: 3, probe: () => probes++ }, clock);
    g.submit('data', () => out.push('time'), { isProbe: true });
    g.submit('data', () => out.push('d1'));
    g.submit('data', () => out.push('d2'));
    // time + d1 took the two places; its answer is awaited, so no second probe goes.
    expect(out).toEqual(['time', 'd1']);
    expect(probes).toBe(0);
    g.currentTimeAnswered();
    clock.advance(1_000);
    expect(out).toEqual(['time', 'd1', 'd2']);
  });

  test('an entry whose deadline passed before its turn is dropped with a reason, never sent', () => {
    const clock = manual();
    const out: string[] = [];
    const dropped: string[] = [];
    const g = new OutboundGovernor({ perSecond: 10, perTick: 1, probe: noProbe }, clock);
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

  test('clear and stop tell every queued entry it was not sent, and a new session starts an empty window', () => {
    const clock = manual();
    const dropped: string[] = [];
    const g = new OutboundGovernor({ perSecond: 3, perTick: 3, probe: noProbe }, clock);
    g.submit('order', () => undefined);
    g.submit('order', () => undefined);
    g.submit('order', () => undefined, { onDrop: (r) => dropped.push(`a:${r}`) });
    g.submit('cancel', () => undefined, { onDrop: (r) => dropped.push(`b:${r}`) });
    expect(g.clear()).toBe(2);
    const out: string[] = [];
    g.submit('order', () => out.push('new'));
    expect(out).toEqual(['new']);
    g.submit('order', () => undefined);
    g.submit('order', () => undefined, { onDrop: (r) => dropped.push(`c:${r}`) });
    g.stop();
    expect(dropped).toEqual(['b:cleared', 'a:cleared', 'c:stopped']);
  });

  test('a send of two messages waits for room for both; a send that could never fit is refused', () => {
    const clock = manual();
    const out: string[] = [];
    const g = new OutboundGovernor({ perSecond: 4, perTick: 4, probe: () => out.push('probe') }, clock);
    g.submit('data', () => out.push('a'), { answeredBy: reqAnswer(1) });
    g.submit('data', () => out.push('b'), { answeredBy: reqAnswer(2) });
    g.submit('data', () => out.push('pair'), { messages: 2, answeredBy: reqAnswer(3) });
    // The pair needs b's place too, and b is not proven read: the probe asks.
    expect(out).toEqual(['a', 'b', 'probe']);
    g.answered(reqAnswer(1));
    clock.advance(5_000);
    expect(out).toEqual(['a', 'b', 'probe']);
    g.currentTimeAnswered();
    clock.advance(999);
    expect(out).toEqual(['a', 'b', 'probe']);
    clock.advance(1);
    expect(out).toEqual(['a', 'b', 'probe', 'pair']);
    expect(() => g.submit('data', () => undefined, { messages: 4 })).toThrow(RangeError);
    expect(() => g.submit('data', () => undefined, { messages: 0 })).toThrow(RangeError);
  });

  test('a throwing send is reported and the queue goes on', () => {
    const clock = manual();
    const errors: unknown[] = [];
    const out: number[] = [];
    const g = new OutboundGovernor({ perSecond: 50, probe: noProbe }, clock, (e) => errors.push(e));
    g.submit('data', () => {
      throw new Error('boom');
    });
    g.submit('data', () => out.push(1));
    clock.advance(200);
    expect(errors).toHaveLength(1);
    expect(out).toEqual([1]);
  });
});
