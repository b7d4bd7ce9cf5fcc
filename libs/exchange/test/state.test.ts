import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Exchange, FileStateStore, formatMicros, InvalidSnapshotError, StateFileError } from '../src/index.js';
import { AAPL, ES, harness, order, T0 } from './helpers.js';

const dirs: string[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ib-sim-exchange-'));
  dirs.push(dir);
  return join(dir, 'nested', 'state.json');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('state file', () => {
  test('orders, positions, executions and cash survive a restart', () => {
    const path = tempPath();
    const first = harness({ store: new FileStateStore(path) });
    first.ex.placeOrder(order({ orderId: 1, totalQuantity: 300, orderRef: 'x' }));
    first.ex.placeOrder(order({ orderId: 2, instrumentId: ES.instrumentId, action: 'SELL', totalQuantity: 2 }));
    first.ex.placeOrder(order({ orderId: 3, orderType: 'LMT', lmtPrice: 95, tif: 'GTC' }));
    first.ex.placeOrder(order({ orderId: 4, orderType: 'STP', auxPrice: 120, tif: 'DAY', clientId: 9 }));
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(join(path, '..')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const second = harness({ store: new FileStateStore(path) });
    expect(second.ex.toSnapshot()).toEqual(first.ex.toSnapshot());
    expect(second.ex.positions()).toEqual(first.ex.positions());
    expect(second.ex.executions()).toEqual(first.ex.executions());
    expect(second.ex.openOrders().map((o) => [o.clientId, o.orderId, o.tif])).toEqual([
      [1, 3, 'GTC'],
      [9, 4, 'DAY'],
    ]);
    expect(formatMicros(second.ex.cashMicros('DU1234567', 'USD'))).toBe(
      formatMicros(first.ex.cashMicros('DU1234567', 'USD')),
    );
    // The restored GTC order keeps working.
    second.quotes.set(AAPL.instrumentId, { bid: 94.9, ask: 94.95 });
    second.ex.step();
    expect(second.ex.order(1, 3)?.status).toBe('Filled');
    expect(second.ex.positions().find((p) => p.instrumentId === AAPL.instrumentId)?.position).toBe(400);
    // Saved again after the fill.
    const third = harness({ store: new FileStateStore(path) });
    expect(third.ex.executions()).toHaveLength(3);
  });

  test('the file is plain JSON with bigints as strings', () => {
    const path = tempPath();
    harness({ store: new FileStateStore(path) }).ex.placeOrder(order());
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json.version).toBe(2);
    expect(json.accounts[0].cash).toEqual([['USD', '989997650000']]);
    expect(json.executions[0].commissionMicros).toBe('350000');
  });

  test('toSnapshot / fromSnapshot round trip without a store', () => {
    const h = harness();
    h.ex.placeOrder(order({ orderType: 'LMT', lmtPrice: 90, tif: 'GTC' }));
    h.ex.placeOrder(order());
    const restored = Exchange.fromSnapshot(
      { quotes: h.quotes, clock: h.clock, instruments: () => undefined },
      JSON.parse(JSON.stringify(h.ex.toSnapshot())),
    );
    expect(restored.toSnapshot()).toEqual(h.ex.toSnapshot());
  });

  test('reset starts clean and overwrites the file; fresh ignores a stored state', () => {
    const path = tempPath();
    const h = harness({ store: new FileStateStore(path) });
    h.ex.placeOrder(order({ orderId: 7 }));
    h.ex.placeOrder(order({ orderId: 8, orderType: 'LMT', lmtPrice: 90, tif: 'GTC' }));
    h.ex.reset();
    expect(h.ex.openOrders()).toEqual([]);
    expect(h.ex.executions()).toEqual([]);
    expect(h.ex.positions()).toEqual([]);
    expect(h.ex.cashMicros('DU1234567', 'USD')).toBe(1_000_000_000_000n);
    expect(h.ex.nextOrderId(1)).toBe(1);
    expect(harness({ store: new FileStateStore(path) }).ex.executions()).toEqual([]);

    h.ex.placeOrder(order({ orderId: 9 }));
    const fresh = harness({ store: new FileStateStore(path), fresh: true });
    expect(fresh.ex.executions()).toEqual([]);
  });

  test('a corrupt or foreign file is refused with a typed error, never silently replaced', () => {
    const path = tempPath();
    const store = new FileStateStore(path);
    store.save(harness().ex.toSnapshot());
    writeFileSync(path, '{"version": 1, "orders": [');
    expect(() => harness({ store })).toThrow(StateFileError);
    writeFileSync(path, JSON.stringify({ version: 99 }));
    expect(() => harness({ store })).toThrow(InvalidSnapshotError);
    expect(() => harness({ store })).toThrow(/version/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ version: 99 });
  });

  test('throttled saving writes on flush() (or its timer), not on every change', () => {
    const path = tempPath();
    const h = harness({ store: new FileStateStore(path, { fsync: false }), saveThrottleMs: 60_000 });
    h.ex.placeOrder(order({ orderId: 1 }));
    h.ex.placeOrder(order({ orderId: 2 }));
    expect(existsSync(path)).toBe(false);
    h.ex.flush();
    expect(JSON.parse(readFileSync(path, 'utf8')).executions).toHaveLength(2);
    h.ex.flush(); // nothing pending: no rewrite needed, still the same content
    expect(harness({ store: new FileStateStore(path) }).ex.executions()).toHaveLength(2);
  });

  test('completed orders and executions past the retention are dropped; their ids stay used', () => {
    const h = harness({ retentionMs: 24 * 3_600_000 });
    h.ex.placeOrder(order({ orderId: 1 }));
    h.ex.placeOrder(order({ orderId: 2, orderType: 'LMT', lmtPrice: 90, tif: 'GTC' }));
    h.clock.t += 23 * 3_600_000;
    h.ex.step();
    expect(h.ex.completedOrders()).toHaveLength(1);
    h.clock.t += 2 * 3_600_000;
    h.ex.step();
    expect(h.ex.completedOrders()).toEqual([]);
    expect(h.ex.executions()).toEqual([]);
    expect(h.ex.openOrders().map((o) => o.orderId)).toEqual([2]);
    expect(h.ex.positions()[0]?.position).toBe(100);
    expect(h.ex.placeOrder(order({ orderId: 1 }))[0]).toMatchObject({ kind: 'error', code: 103 });
  });

  test('a version-1 file (integer conId keys) opens with its keys as ids, as the caller names them', () => {
    const h = harness();
    h.ex.placeOrder(order({ orderId: 1 }));
    h.ex.placeOrder(order({ orderId: 2, orderType: 'LMT', lmtPrice: 90, tif: 'GTC' }));
    const v2 = h.ex.toSnapshot();
    const asV1 = <T extends { instrumentId: string }>({ instrumentId, ...rest }: T) => ({
      ...rest,
      conId: Number(instrumentId),
    });
    const v1 = {
      ...v2,
      version: 1,
      orders: v2.orders.map(asV1),
      executions: v2.executions.map(asV1),
      accounts: v2.accounts.map((a) => ({ ...a, positions: a.positions.map(asV1) })),
    };
    const byDecimal = Exchange.fromSnapshot({ quotes: h.quotes, clock: h.clock, instruments: () => AAPL }, v1);
    expect(byDecimal.toSnapshot()).toEqual({ ...v2, savedAtMs: byDecimal.toSnapshot().savedAtMs });
    const named = Exchange.fromSnapshot(
      { quotes: h.quotes, clock: h.clock, instruments: () => AAPL, legacyInstrumentId: (k) => `id-${k}` },
      v1,
    );
    expect(named.openOrders().map((o) => o.instrumentId)).toEqual([`id-${AAPL.instrumentId}`]);
    expect(named.positions().map((p) => [p.instrumentId, p.position])).toEqual([[`id-${AAPL.instrumentId}`, 100]]);
    expect(() =>
      Exchange.fromSnapshot(
        { quotes: h.quotes, clock: h.clock, instruments: () => AAPL },
        {
          ...v1,
          orders: [{ ...v1.orders[0], conId: 'x' }],
        },
      ),
    ).toThrow(InvalidSnapshotError);
  });

  test('a missing file means a clean start', () => {
    const h = harness({ store: new FileStateStore(tempPath()) });
    expect(h.ex.toSnapshot()).toMatchObject({ version: 2, orders: [], executions: [], savedAtMs: T0 });
  });
});
