import { expect, test } from 'vitest';
import { RequestGovernor } from '../src/governor.js';

test('at most max requests in any window; the next waits until the oldest leaves it', () => {
  const g = new RequestGovernor(3, 60_000);
  for (const t of [0, 10, 20]) {
    expect(g.delayMs(t)).toBe(0);
    g.record(t);
  }
  expect(g.delayMs(30)).toBe(59_970);
  expect(g.delayMs(60_000)).toBe(0);
  g.record(60_000);
  expect(g.delayMs(60_005)).toBe(5);
  expect(g.inWindow(60_015)).toBe(2); // 20 and 60000 (10 left at 60010)
});

test("nothing goes out before a 429's reset, even with budget left", () => {
  const g = new RequestGovernor(200);
  g.blockUntil(5_000);
  expect(g.delayMs(1_000)).toBe(4_000);
  g.blockUntil(2_000); // an earlier reset never shortens the block
  expect(g.delayMs(1_000)).toBe(4_000);
  expect(g.delayMs(5_000)).toBe(0);
});

test('refuses a budget that is not a positive integer', () => {
  expect(() => new RequestGovernor(0)).toThrow(RangeError);
});
