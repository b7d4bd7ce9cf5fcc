import type { BrokerExecutionData, Position } from '@trading-system/contracts';
import { expect, test } from 'vitest';
import { snapshotParts } from '../src/snapshot-parts.js';

const exec = (i: number): BrokerExecutionData => ({
  orderId: String(i),
  permId: String(i),
  clientOrderId: `c-${i}`,
  execId: `x-${i}`,
  account: 'PAPER',
  instrumentId: '265598',
  side: 'BUY',
  quantity: '1',
  price: '100',
  cumQty: '1',
  avgPrice: '100',
  exchange: 'SMART',
  execTimeMs: i,
});
const position: Position = {
  broker: 'paper',
  account: 'PAPER',
  instrumentId: '265598',
  symbol: 'AAPL',
  secType: 'STK',
  currency: 'USD',
  quantity: '5',
};

test('an empty book is one empty part', () => {
  expect(snapshotParts({ openOrders: [], completedOrders: [], executions: [], positions: [] })).toEqual([
    { openOrders: [], completedOrders: [], executions: [], positions: [] },
  ]);
});

test('items are split by count and by size, in order, none lost or repeated', () => {
  const executions = Array.from({ length: 25 }, (_, i) => exec(i));
  const byCount = snapshotParts({ openOrders: [], completedOrders: [], executions, positions: [position] }, 1e9, 10);
  expect(byCount.map((p) => p.executions.length + p.positions.length)).toEqual([10, 10, 6]);
  expect(byCount.flatMap((p) => p.executions.map((x) => x.execId))).toEqual(executions.map((x) => x.execId));
  expect(byCount.at(-1)?.positions).toEqual([position]);

  const limit = JSON.stringify(exec(10)).length * 3;
  const bySize = snapshotParts({ openOrders: [], completedOrders: [], executions, positions: [] }, limit, 1e9);
  expect(bySize.length).toBeGreaterThanOrEqual(9);
  expect(bySize.flatMap((p) => p.executions.map((x) => x.execId))).toEqual(executions.map((x) => x.execId));
  for (const p of bySize) {
    expect(p.executions.length).toBeGreaterThan(0);
    expect(p.executions.reduce((n, x) => n + JSON.stringify(x).length, 0)).toBeLessThanOrEqual(limit);
  }
});

test('an item larger than the size limit goes alone', () => {
  const parts = snapshotParts(
    { openOrders: [], completedOrders: [], executions: [exec(1), exec(2)], positions: [] },
    10,
  );
  expect(parts.map((p) => p.executions.length)).toEqual([1, 1]);
});
