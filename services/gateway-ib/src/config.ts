/**
 * gateway-ib configuration, from the environment. Brokers come either from `IB_BROKERS` (JSON array of
 * `{ name, connection: IbConnectionConfig }`, several connections) or from IB_HOST / IB_PORT / IB_CLIENT_ID for
 * a single connection named `BROKER_NAME` (default `ib_paper`); exactly one of the two forms.
 */
import { BrokerName, GatewayType, IbConnectionConfig, OrderType, TimeInForce } from '@trading-system/contracts';
import { metricsConfigShape } from '@trading-system/metrics';
import {
  checkNatsConfig,
  type DeepReadonly,
  defaultedEnv,
  logConfigShape,
  natsConfigShape,
  optionalEnv,
} from '@trading-system/runtime';
import { z } from 'zod';
import type { BrokerConfig } from './app.js';
import type { CapabilitySettings } from './capabilities.js';
import { ibPortMismatch } from './paper-guard.js';

const intEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list of one enum's values (`DAY,IOC`). */
const listEnv = <T extends string>(values: z.ZodEnum<{ [K in T]: K }>) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(values).min(1));

const BrokersJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'IB_BROKERS is not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(z.object({ name: BrokerName, connection: IbConnectionConfig })).min(1));

export const GatewayConfig = z
  .object({
    ...natsConfigShape,
    ...logConfigShape,
    ...metricsConfigShape,
    GATEWAY_TYPE: defaultedEnv(GatewayType, 'ib').describe('gateway type token of gateway.<type>.cmd.* (default ib)'),
    BROKER_NAME: defaultedEnv(BrokerName, 'ib_paper').describe('name of the single broker (default ib_paper)'),
    IB_HOST: defaultedEnv(z.string(), '127.0.0.1').describe('TWS / IB Gateway host (default 127.0.0.1)'),
    IB_PORT: defaultedEnv(intEnv(1, 65_535), 7497).describe('TWS / IB Gateway API port (default 7497, TWS paper)'),
    IB_CLIENT_ID: optionalEnv(intEnv(0, 2_147_483_647)).describe(
      'API client id of the single broker; keep it fixed across restarts (IB ties open orders to it)',
    ),
    IB_TRADING_MODE: defaultedEnv(z.enum(['paper', 'live']), 'paper').describe('paper (default) or live'),
    IB_MARKET_DATA_LINES: defaultedEnv(intEnv(1, 10_000), 100).describe('market-data lines of the account'),
    IB_BROKERS: optionalEnv(BrokersJson).describe(
      'JSON array [{"name":"ib_paper","connection":{"host":"127.0.0.1","port":7497,"clientId":1}}, ...]',
    ),
    IB_ORDER_QUEUE_MS: defaultedEnv(intEnv(100, 60_000), 2_000).describe(
      'longest an order message waits in the outbound governor before it is refused unsent (BROKER_BUSY), ms; keep it below the OMS broker timeout',
    ),
    IB_ORDER_TYPES: optionalEnv(listEnv(OrderType)).describe(
      'order types every connection announces and takes, comma-separated (default all IB takes: MKT,LMT,STP,STP LMT)',
    ),
    IB_TIFS: optionalEnv(listEnv(TimeInForce)).describe(
      'times-in-force announced and taken for every order type, comma-separated (default what IB takes per type); ' +
        'DAY,IOC,FOK refuses GTC (what the OMS setting ORDERS_BROKERS=<name>:nogtc used to do)',
    ),
    IB_OUTSIDE_RTH: defaultedEnv(z.stringbool(), true).describe(
      'false: no connection announces or takes orders flagged outsideRth (default true: LMT, STP, STP LMT)',
    ),
    HISTORY_PACING_SCALE: defaultedEnv(z.coerce.number().positive(), 1).describe(
      'divides IB historical pacing windows (1 = IB; match ib-sim --pacing-scale in tests)',
    ),
  })
  .superRefine((c, ctx) => {
    checkNatsConfig(c, ctx);
    if ((c.IB_BROKERS === undefined) === (c.IB_CLIENT_ID === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['IB_CLIENT_ID'],
        message: 'set either IB_CLIENT_ID (one broker) or IB_BROKERS (several), not both and not neither',
      });
    }
    // Paper by default: a paper configuration pointed at a live port is refused before any connection is made.
    const single = ibPortMismatch(c.IB_PORT, c.IB_TRADING_MODE === 'paper');
    if (c.IB_BROKERS === undefined && single !== undefined)
      ctx.addIssue({ code: 'custom', path: ['IB_PORT'], message: `${single} (IB_TRADING_MODE=live)` });
    for (const [i, b] of (c.IB_BROKERS ?? []).entries()) {
      const why = ibPortMismatch(b.connection.port, b.connection.paper);
      if (why !== undefined)
        ctx.addIssue({ code: 'custom', path: ['IB_BROKERS', i], message: `${b.name}: ${why} ("paper": false)` });
    }
  });
export type GatewayConfig = z.output<typeof GatewayConfig>;

export function brokersFromConfig(c: DeepReadonly<GatewayConfig>): BrokerConfig[] {
  if (c.IB_BROKERS !== undefined) return c.IB_BROKERS.map((b) => ({ name: b.name, connection: { ...b.connection } }));
  return [
    {
      name: c.BROKER_NAME,
      connection: IbConnectionConfig.parse({
        host: c.IB_HOST,
        port: c.IB_PORT,
        clientId: c.IB_CLIENT_ID,
        paper: c.IB_TRADING_MODE === 'paper',
        marketDataLines: c.IB_MARKET_DATA_LINES,
      }),
    },
  ];
}

/** The operator's narrowing of what every connection announces and takes (capabilities.ts). */
export function capabilitySettings(c: DeepReadonly<GatewayConfig>): CapabilitySettings {
  return {
    ...(c.IB_ORDER_TYPES === undefined ? {} : { orderTypes: [...c.IB_ORDER_TYPES] }),
    ...(c.IB_TIFS === undefined ? {} : { tifs: [...c.IB_TIFS] }),
    outsideRth: c.IB_OUTSIDE_RTH,
  };
}
