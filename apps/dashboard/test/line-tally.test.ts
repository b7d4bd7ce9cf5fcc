/** Lines in use from feed health: held lines count, released or silent ones drop out, per broker. */
import { expect, test } from 'vitest';
import { LineTally } from '../src/line-tally.js';

test('a line counts while its latest health says it is held and is recent', () => {
  const t = new LineTally(35_000);
  expect(t.used('a', 0)).toBeUndefined();
  t.add({ broker: 'a', instrumentId: '1', state: 'live', leases: 2 }, 0);
  t.add({ broker: 'a', instrumentId: '2', state: 'stale', leases: 1 }, 0);
  t.add({ broker: 'b', instrumentId: '1', state: 'live', leases: 1 }, 0);
  expect([t.used('a', 1_000), t.used('b', 1_000)]).toEqual([2, 1]);
  // A line that went down, or whose last lease ended, no longer counts; the same instrumentId is one line, not two.
  t.add({ broker: 'a', instrumentId: '2', state: 'down', leases: 1 }, 2_000);
  t.add({ broker: 'a', instrumentId: '1', state: 'live', leases: 0 }, 2_000);
  expect(t.used('a', 3_000)).toBe(0);
  t.add({ broker: 'a', instrumentId: '1', state: 'delayed', leases: 1 }, 10_000);
  expect(t.used('a', 11_000)).toBe(1);
  // Released lines send nothing: silent longer than the health interval allows, they drop out.
  expect(t.used('a', 10_000 + 35_001)).toBe(0);
  expect(t.used('b', 35_001)).toBe(0);
});
