import { ConfigError, loadConfig } from '@trading-system/runtime';
import { describe, expect, test } from 'vitest';
import { brokersFromConfig, GatewayConfig } from '../src/config.js';

describe('gateway-ib config', () => {
  test('one broker from IB_HOST/IB_PORT/IB_CLIENT_ID, named BROKER_NAME (default ib_paper), paper by default', () => {
    const c = loadConfig(GatewayConfig, { IB_CLIENT_ID: '7', IB_PORT: '4002' });
    expect(brokersFromConfig(c)).toEqual([
      {
        name: 'ib_paper',
        connection: expect.objectContaining({ host: '127.0.0.1', port: 4002, clientId: 7, paper: true }),
      },
    ]);
  });

  test('several brokers from IB_BROKERS JSON', () => {
    const c = loadConfig(GatewayConfig, {
      IB_BROKERS: JSON.stringify([
        { name: 'ib_paper', connection: { host: 'h', port: 4002, clientId: 1 } },
        { name: 'ib_live', connection: { host: 'h', port: 4001, clientId: 2, paper: false } },
      ]),
    });
    expect(brokersFromConfig(c).map((b) => [b.name, b.connection.clientId, b.connection.paper])).toEqual([
      ['ib_paper', 1, true],
      ['ib_live', 2, false],
    ]);
  });

  test('neither or both forms, bad JSON, or a bad broker name are refused with every problem named', () => {
    expect(() => loadConfig(GatewayConfig, {})).toThrow(ConfigError);
    expect(() =>
      loadConfig(GatewayConfig, {
        IB_CLIENT_ID: '1',
        IB_BROKERS: '[{"name":"a","connection":{"host":"h","port":1,"clientId":1}}]',
      }),
    ).toThrow(/IB_CLIENT_ID/);
    expect(() => loadConfig(GatewayConfig, { IB_BROKERS: '[{' })).toThrow(/IB_BROKERS/);
    expect(() => loadConfig(GatewayConfig, { IB_CLIENT_ID: '1', BROKER_NAME: 'a.b' })).toThrow(/BROKER_NAME/);
  });

  test("paper by default: IB's live ports are refused unless live trading is declared, and the reverse", () => {
    for (const port of ['7496', '4001'])
      expect(() => loadConfig(GatewayConfig, { IB_CLIENT_ID: '1', IB_PORT: port })).toThrow(/live-trading port/);
    expect(loadConfig(GatewayConfig, { IB_CLIENT_ID: '1', IB_PORT: '7496', IB_TRADING_MODE: 'live' }).IB_PORT).toBe(
      7496,
    );
    expect(() => loadConfig(GatewayConfig, { IB_CLIENT_ID: '1', IB_PORT: '4002', IB_TRADING_MODE: 'live' })).toThrow(
      /paper-trading port/,
    );
    const brokers = (paper: boolean) =>
      JSON.stringify([{ name: 'x', connection: { host: 'h', port: 4001, clientId: 1, ...(paper ? {} : { paper }) } }]);
    expect(() => loadConfig(GatewayConfig, { IB_BROKERS: brokers(true) })).toThrow(/x: 4001 is a live-trading port/);
    expect(loadConfig(GatewayConfig, { IB_BROKERS: brokers(false) }).IB_BROKERS).toHaveLength(1);
    // ib-sim and proxies listen elsewhere: not judged by port (the session's accounts are checked on connect).
    expect(loadConfig(GatewayConfig, { IB_CLIENT_ID: '1', IB_PORT: '7500' }).IB_PORT).toBe(7500);
  });
});
