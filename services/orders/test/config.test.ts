/** The orders service's environment: the reconciliation settings are defaulted, bounded and refused by name. */
import { ConfigError, loadConfig } from '@trading-system/runtime';
import { describe, expect, test } from 'vitest';
import { OrdersEnv } from '../src/config.js';

describe('OrdersEnv reconciliation settings', () => {
  test('default to a 5 s check and a 2 s grace', () => {
    const c = loadConfig(OrdersEnv, {});
    expect(c.ORDERS_RECONCILE_INTERVAL_MS).toBe(5_000);
    expect(c.ORDERS_RECONCILE_GRACE_MS).toBe(2_000);
  });

  test('take integers within bounds and refuse others naming the variable', () => {
    const c = loadConfig(OrdersEnv, { ORDERS_RECONCILE_INTERVAL_MS: '250', ORDERS_RECONCILE_GRACE_MS: '0' });
    expect([c.ORDERS_RECONCILE_INTERVAL_MS, c.ORDERS_RECONCILE_GRACE_MS]).toEqual([250, 0]);
    for (const [k, v] of [
      ['ORDERS_RECONCILE_INTERVAL_MS', '10'],
      ['ORDERS_RECONCILE_INTERVAL_MS', 'soon'],
      ['ORDERS_RECONCILE_GRACE_MS', '-1'],
      ['ORDERS_RECONCILE_GRACE_MS', '1.5'],
    ] as const) {
      let err: unknown;
      try {
        loadConfig(OrdersEnv, { [k]: v });
      } catch (e) {
        err = e;
      }
      expect(err, `${k}=${v}`).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.variable)).toEqual([k]);
    }
  });
});

describe('OrdersEnv brokers', () => {
  test('are names only; the :nogtc rule of earlier versions is refused, naming where it went', () => {
    expect(loadConfig(OrdersEnv, { ORDERS_BROKERS: 'sim,ib_paper' }).ORDERS_BROKERS).toEqual([
      { name: 'sim' },
      { name: 'ib_paper' },
    ]);
    let err: unknown;
    try {
      loadConfig(OrdersEnv, { ORDERS_BROKERS: 'sim,ib_paper:nogtc' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.problem).join(' ')).toContain('IB_TIFS');
  });
});
