/** Loading a strategy file, parameters, and the timeframes every mode builds the same way. */
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  type Bar,
  importStrategy,
  instantiate,
  parseParamAssignments,
  resolveParams,
  type Strategy,
  StrategyLoadError,
  StrategyParamError,
  TimeframeFanout,
} from '../src/index.js';

const example = fileURLToPath(new URL('../../../examples/strategies/ma-crossover.ts', import.meta.url));

function bar(symbol: string, minute: number, close: number): Bar {
  const time = Date.UTC(2024, 0, 2, 0, minute);
  return {
    symbol,
    timeframe: '1m',
    time,
    endTime: time + 60_000,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 1,
  };
}

describe('loading', () => {
  test('a class export gives a fresh instance per run with the declared parameter defaults', async () => {
    const exported = await importStrategy(example);
    const a = instantiate(exported);
    const b = instantiate(exported);
    expect(a).not.toBe(b);
    expect(a.name).toBe('ma-crossover');
    expect(resolveParams(a, parseParamAssignments(['fast=5', 'slow=20']))).toEqual({
      fast: 5,
      slow: 20,
      quantity: 100,
    });
  });

  test('an object export is not shared between runs: state set on `this` stays in the run', () => {
    const shared: Strategy & { count?: number } = {
      onStart() {
        (this as { count: number }).count = 0;
      },
    };
    const a = instantiate(shared) as { count?: number } & Strategy;
    a.onStart?.({} as never);
    expect(a.count).toBe(0);
    expect(shared.count).toBeUndefined();
  });

  test('unknown parameters, wrong types and files without a strategy are refused with what to do', async () => {
    const s: Strategy = { params: { fast: 10, short: false, label: 'x' } };
    expect(() => resolveParams(s, { fats: '3' })).toThrow(StrategyParamError);
    expect(() => resolveParams(s, { fats: '3' })).toThrow(
      /unknown parameter 'fats'; the strategy declares fast, short, label/,
    );
    expect(() => resolveParams(s, { fast: 'ten' })).toThrow(/must be a number/);
    expect(resolveParams(s, { short: 'true', label: 7 })).toEqual({ fast: 10, short: true, label: '7' });
    expect(() => parseParamAssignments(['fast'])).toThrow(/not name=value/);
    await expect(importStrategy(fileURLToPath(new URL('../src/errors.ts', import.meta.url)))).rejects.toThrow(
      StrategyLoadError,
    );
  });
});

describe('timeframes', () => {
  test('a gap closes the slot in progress before the bar after the gap', () => {
    const fanout = new TimeframeFanout(['X'], '1m', ['1m', '5m']);
    const out: string[] = [];
    for (const b of [bar('X', 0, 10), bar('X', 1, 11), bar('X', 7, 12), bar('X', 9, 13)])
      for (const o of fanout.push(b)) out.push(`${o.timeframe}:${new Date(o.time).getUTCMinutes()}:${o.close}`);
    for (const o of fanout.flush()) out.push(`${o.timeframe}:${new Date(o.time).getUTCMinutes()}:${o.close}`);
    expect(out).toEqual(['1m:0:10', '1m:1:11', '5m:0:11', '1m:7:12', '1m:9:13', '5m:5:13']);
  });

  test('timeframes the run bars do not divide are refused', () => {
    expect(() => new TimeframeFanout(['X'], '5m', ['7m'])).toThrow(/not a whole multiple/);
    expect(() => new TimeframeFanout(['X'], '1m', ['1mo'])).toThrow(/timeframe '1mo'/);
  });
});
