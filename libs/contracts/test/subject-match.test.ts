import { describe, expect, test } from 'vitest';
import { createCatalog, subjectMatches } from '../src/index.js';

describe('subjectMatches', () => {
  test.each([
    ['md.tick.*.*', 'md.tick.sim.265598', true],
    ['md.tick.*.*', 'md.tick.sim', false],
    ['md.>', 'md.tick.sim.1', true],
    ['md.>', 'md', false],
    ['orders.submit', 'orders.submit', true],
    ['orders.submit', 'orders.submitx', false],
  ])('%s vs %s → %s', (p, s, want) => expect(subjectMatches(p, s)).toBe(want));
});

test('the most specific pattern wins', () => {
  const cat = createCatalog([
    { pattern: 'a.>', kind: 'event', description: 'any', producer: 'x', consumers: 'y' },
    { pattern: 'a.b.*', kind: 'event', description: 'b', producer: 'x', consumers: 'y' },
  ]);
  expect(cat.lookup('a.b.c')?.description).toBe('b');
  expect(cat.lookup('a.c.d')?.description).toBe('any');
  expect(cat.lookup('z')).toBeUndefined();
});
