import { describe, expect, test } from 'vitest';
import { bucketOf, sessionFor, sessionOpenAfter, sessionOpenAtOrBefore } from '../src/sessions.js';

const iso = (ms: number) => new Date(ms).toISOString();
const stk = sessionFor({ secType: 'STK', timeZone: 'America/New_York' });

describe('sessions and alignment', () => {
  test('intraday buckets start at the session open: 7m bars at 09:30, 09:37, …', () => {
    // Tue 2024-03-12 (EDT, UTC-4): 09:30 local = 13:30Z
    const b = bucketOf(stk, 7 * 60_000, Date.parse('2024-03-12T13:40:00Z'));
    expect(iso(b.startMs)).toBe('2024-03-12T13:37:00.000Z');
    expect(iso(b.endMs)).toBe('2024-03-12T13:44:00.000Z');
    // 1h bars: 09:30-10:30 local
    const h = bucketOf(stk, 3_600_000, Date.parse('2024-03-12T14:29:59Z'));
    expect([iso(h.startMs), iso(h.endMs)]).toEqual(['2024-03-12T13:30:00.000Z', '2024-03-12T14:30:00.000Z']);
  });

  test('a session open cuts the running bucket short; ticks before the open fall on the previous grid', () => {
    // Tue 09:29 local: latest open was Mon 09:30; 7m grid from then; cut at Tue 09:30
    const b = bucketOf(stk, 7 * 60_000, Date.parse('2024-03-12T13:29:00Z'));
    expect(iso(b.endMs)).toBe('2024-03-12T13:30:00.000Z');
    expect(b.endMs - b.startMs).toBeLessThanOrEqual(7 * 60_000);
    // Monday morning: latest open is Friday's
    expect(iso(sessionOpenAtOrBefore(stk, Date.parse('2024-03-11T12:00:00Z')))).toBe('2024-03-08T14:30:00.000Z');
  });

  test('holidays from the trading calendar: no session on Thanksgiving, the grid resumes Friday', () => {
    const thanksgivingNoon = Date.parse('2024-11-28T17:00:00Z');
    expect(iso(sessionOpenAtOrBefore(stk, thanksgivingNoon))).toBe('2024-11-27T14:30:00.000Z');
    expect(iso(sessionOpenAfter(stk, thanksgivingNoon))).toBe('2024-11-29T14:30:00.000Z');
    // Futures: no Globex session opens on Christmas Eve evening for the 25th; the 26th opens the 25th at 17:00.
    const fut = sessionFor({ secType: 'FUT', symbol: 'ES', timeZone: 'America/Chicago' });
    expect(iso(sessionOpenAfter(fut, Date.parse('2024-12-24T20:00:00Z')))).toBe('2024-12-25T23:00:00.000Z');
  });

  test('DST: the same local open maps to a different UTC hour before and after the switch', () => {
    // 2024-03-08 is EST (UTC-5), 2024-03-11 EDT (UTC-4)
    expect(iso(sessionOpenAtOrBefore(stk, Date.parse('2024-03-08T16:00:00Z')))).toBe('2024-03-08T14:30:00.000Z');
    expect(iso(sessionOpenAtOrBefore(stk, Date.parse('2024-03-11T16:00:00Z')))).toBe('2024-03-11T13:30:00.000Z');
  });

  test('daily bars start at midnight in the instrument zone, on trading days; the DST day lasts 23 h', () => {
    const d = bucketOf(stk, 86_400_000, Date.parse('2024-03-12T03:00:00Z')); // 23:00 Mar 11 local
    expect([iso(d.startMs), iso(d.endMs)]).toEqual(['2024-03-11T04:00:00.000Z', '2024-03-12T04:00:00.000Z']);
    // Sunday 2024-03-10 (the DST switch) is no trading day of a stock: it maps to Friday's bar, closed at midnight.
    const sunday = bucketOf(stk, 86_400_000, Date.parse('2024-03-10T12:00:00Z'));
    expect([iso(sunday.startMs), iso(sunday.endMs)]).toEqual(['2024-03-08T05:00:00.000Z', '2024-03-09T05:00:00.000Z']);
    // Without a trading calendar the civil day applies, 23 h long on the switch.
    const dst = bucketOf({ ...stk, calendar: undefined }, 86_400_000, Date.parse('2024-03-10T12:00:00Z'));
    expect(dst.endMs - dst.startMs).toBe(23 * 3_600_000);
    const tokyo = sessionFor({ secType: 'STK', timeZone: 'Asia/Tokyo' });
    const t = bucketOf(tokyo, 86_400_000, Date.parse('2024-03-12T16:00:00Z')); // 01:00 Mar 13 in Tokyo
    expect(iso(t.startMs)).toBe('2024-03-12T15:00:00.000Z');
  });

  test('weekly bars start on Monday 00:00 local', () => {
    const w = bucketOf(stk, 7 * 86_400_000, Date.parse('2024-03-14T12:00:00Z'));
    expect([iso(w.startMs), iso(w.endMs)]).toEqual(['2024-03-11T04:00:00.000Z', '2024-03-18T04:00:00.000Z']);
  });

  test('futures open Sunday 17:00 Chicago; FX Sunday 17:15 New York', () => {
    const fut = sessionFor({ secType: 'FUT', timeZone: 'America/Chicago' });
    // Mon 2024-03-11 03:00Z = Sun 22:00 CDT; session opened Sun 17:00 CDT = 22:00Z
    expect(iso(sessionOpenAtOrBefore(fut, Date.parse('2024-03-11T03:00:00Z')))).toBe('2024-03-10T22:00:00.000Z');
    const fx = sessionFor({ secType: 'CASH' });
    expect(iso(sessionOpenAtOrBefore(fx, Date.parse('2024-03-12T12:00:00Z')))).toBe('2024-03-11T21:15:00.000Z');
  });
});
