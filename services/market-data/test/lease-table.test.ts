import { describe, expect, test } from 'vitest';
import { LeaseConflictError, LeaseTable } from '../src/lease-table.js';

function table() {
  let now = 1_000;
  const t = new LeaseTable(() => now);
  return { t, advance: (ms: number) => (now += ms) };
}
const spec = (key: string, streams: Array<'ticks' | 'rtbars'> = ['ticks'], timeframes: string[] = []) => ({
  key,
  streams,
  timeframes,
});

describe('lease table', () => {
  test('three leases on one line: the first opens the stream, the last one releases the line', () => {
    const { t } = table();
    const a = t.upsert('a', spec('sim/1'), 10_000);
    const b = t.upsert('b', spec('sim/1'), 10_000);
    const c = t.upsert('c', spec('sim/1'), 10_000);
    expect(a.change.addedStreams).toEqual(['ticks']);
    expect(b.change.addedStreams).toEqual([]);
    expect(c.change.addedStreams).toEqual([]);
    expect(t.leasesOn('sim/1')).toBe(3);
    expect(t.remove('a')).toMatchObject({ droppedStreams: [], lineReleased: false });
    expect(t.remove('b')).toMatchObject({ droppedStreams: [], lineReleased: false });
    expect(t.remove('c')).toMatchObject({ droppedStreams: ['ticks'], lineReleased: true });
    expect(t.leasesOn('sim/1')).toBe(0);
    expect(t.keys()).toEqual([]);
  });

  test('renewal with the same id moves the expiry and does not add a reference', () => {
    const { t, advance } = table();
    const first = t.upsert('a', spec('sim/1'), 10_000);
    advance(6_000);
    const again = t.upsert('a', spec('sim/1'), 10_000);
    expect(again.renewed).toBe(true);
    expect(again.lease.expiresAtMs).toBe(first.lease.expiresAtMs + 6_000);
    expect(again.change).toMatchObject({ addedStreams: [], droppedStreams: [] });
    expect(t.leasesOn('sim/1')).toBe(1);
    advance(6_000); // 12 s after the first grant, 6 s after the renewal
    expect(t.expire()).toEqual([]);
    advance(4_000);
    const gone = t.expire();
    expect(gone.map((g) => [g.lease.leaseId, g.change.lineReleased])).toEqual([['a', true]]);
  });

  test('an expired lease frees its line; live leases on it keep the line open', () => {
    const { t, advance } = table();
    t.upsert('crashed', spec('sim/1'), 5_000);
    t.upsert('alive', spec('sim/1'), 60_000);
    advance(5_000);
    const gone = t.expire();
    expect(gone).toHaveLength(1);
    expect(gone[0]?.change).toMatchObject({ key: 'sim/1', droppedStreams: [], lineReleased: false });
    expect(t.nextExpiryMs()).toBe(61_000);
    advance(56_000);
    expect(t.expire()[0]?.change).toMatchObject({ droppedStreams: ['ticks'], lineReleased: true });
  });

  test('streams and timeframes are ref-counted separately; a renewal may change them', () => {
    const { t } = table();
    expect(t.upsert('a', spec('k', ['ticks'], ['1m', '5m']), 10_000).change).toMatchObject({
      addedStreams: ['ticks'],
      addedTimeframes: ['1m', '5m'],
    });
    expect(t.preview(spec('k', ['ticks', 'rtbars'], ['5m', '7m']))).toEqual({
      addedStreams: ['rtbars'],
      addedTimeframes: ['7m'],
    });
    expect(t.upsert('b', spec('k', ['ticks', 'rtbars'], ['5m', '7m']), 10_000).change).toMatchObject({
      addedStreams: ['rtbars'],
      addedTimeframes: ['7m'],
    });
    // a renews without 1m: 1m is dropped, 5m stays (b still wants it)
    expect(t.upsert('a', spec('k', ['ticks'], ['5m']), 10_000).change).toMatchObject({
      addedStreams: [],
      droppedStreams: [],
      addedTimeframes: [],
      droppedTimeframes: ['1m'],
    });
    expect(t.remove('b')).toMatchObject({ droppedStreams: ['rtbars'], droppedTimeframes: ['7m'] });
    expect(t.streamsOf('k')).toEqual(['ticks']);
    expect(t.timeframesOf('k')).toEqual(['5m']);
  });

  test('a lease id used on another line is refused and changes nothing', () => {
    const { t } = table();
    t.upsert('a', spec('sim/1'), 10_000);
    expect(() => t.upsert('a', spec('sim/2'), 10_000)).toThrow(LeaseConflictError);
    expect(t.leasesOn('sim/2')).toBe(0);
    expect(t.leasesOn('sim/1')).toBe(1);
  });

  test('removing an unknown lease says so', () => {
    const { t } = table();
    expect(t.remove('nope')).toBeUndefined();
  });
});
