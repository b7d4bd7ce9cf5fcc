/**
 * gateway-alpaca configuration, from the environment: one Alpaca broker (`BROKER_NAME`), paper unless
 * `ALPACA_PAPER=false`. The keys are read from `ALPACA_API_KEY_ID` / `ALPACA_API_SECRET_KEY` or the JSON file
 * `ALPACA_SECRETS_FILE` (a docker secret) when the broker starts, never from here, so they never reach the config
 * dump of the service's start-up log.
 */
import { ALPACA_BROKER_TYPE, BrokerName, GatewayType } from '@trading-system/contracts';
import { metricsConfigShape } from '@trading-system/metrics';
import { checkNatsConfig, defaultedEnv, logConfigShape, natsConfigShape, optionalEnv } from '@trading-system/runtime';
import { z } from 'zod';

export const AlpacaGatewayConfig = z
  .object({
    ...natsConfigShape,
    ...logConfigShape,
    ...metricsConfigShape,
    GATEWAY_TYPE: defaultedEnv(GatewayType, ALPACA_BROKER_TYPE).describe(
      'gateway type token of gateway.<type>.cmd.* (default alpaca)',
    ),
    BROKER_NAME: defaultedEnv(BrokerName, 'alpaca').describe('name of the Alpaca broker (default alpaca)'),
    ALPACA_PAPER: defaultedEnv(z.enum(['true', 'false']), 'true')
      .transform((v) => v === 'true')
      .describe('paper trading (default true); live only with ALPACA_PAPER=false'),
    ALPACA_TRADING_URL: optionalEnv(z.url()).describe(
      'Trading API base URL (default Alpaca paper or live by ALPACA_PAPER; alpaca-sim: http://127.0.0.1:8788)',
    ),
    ALPACA_DATA_URL: optionalEnv(z.url()).describe('Market Data API base URL (default https://data.alpaca.markets)'),
    ALPACA_FEED: defaultedEnv(z.enum(['iex', 'sip']), 'iex').describe('market-data feed (default iex)'),
    ALPACA_SECRETS_FILE: optionalEnv(z.string().min(1)).describe(
      'JSON file {"keyId","secretKey"} read instead of ALPACA_API_KEY_ID / ALPACA_API_SECRET_KEY',
    ),
    ALPACA_MAX_REQUESTS_PER_MINUTE: defaultedEnv(z.coerce.number().int().min(1).max(10_000), 200).describe(
      'REST requests per minute the gateway allows itself (Alpaca default 200)',
    ),
  })
  .superRefine((c, ctx) => {
    checkNatsConfig(c, ctx);
  });
export type AlpacaGatewayConfig = z.output<typeof AlpacaGatewayConfig>;
