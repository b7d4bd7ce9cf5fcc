/**
 * The SDK's in-process runtime (libs/sdk `InProcessRuntime`): `TradingSystem.open()` without NATS_URL loads this
 * package and starts the whole system here from the environment, on the SDK's few settings.
 */
import { ContractError } from '@trading-system/contracts';
import { loadConfig } from '@trading-system/runtime';
import type { InProcessRuntime, InProcessStart, InProcessSystem } from '@trading-system/sdk';
import { startEmbedded } from './app.js';
import { unreachableReason } from './broker-probe.js';
import { EmbeddedConfig } from './config.js';

export const inProcessRuntime: InProcessRuntime = { start };

async function start(options: InProcessStart): Promise<InProcessSystem> {
  const { env } = options;
  const simPort = options.simPort ?? (env.SIM_PORT === '' ? undefined : env.SIM_PORT);
  const config = loadConfig(EmbeddedConfig, {
    ...env,
    NATS_URL: undefined,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: options.logLevel,
    // TWS paper's port, so code written for paper TWS (`port: 7497`) reaches the built-in ib-sim; when a TWS or
    // another system holds it, any free port (and 7497 keeps reaching whoever holds it).
    SIM_PORT: String(simPort ?? 7497),
    SIM_PORT_FALLBACK: simPort === undefined ? 'true' : 'false',
    PGLITE_DATA_DIR: options.pgliteDataDir ?? env.PGLITE_DATA_DIR ?? 'memory://',
    ...(options.defaultBroker === undefined ? {} : { BROKER_NAME: options.defaultBroker }),
  });
  if (!config.SIM_ENABLED) {
    // A script on a real TWS / IB Gateway: nothing there is said at once, not after the broker wait and its retries.
    const why = await unreachableReason(config.IB_HOST, config.IB_PORT, 3_000);
    if (why !== undefined)
      throw new ContractError(
        'BROKER_UNREACHABLE',
        `broker ${config.BROKER_NAME}: nothing accepts connections at ${config.IB_HOST}:${config.IB_PORT} (${why}). ` +
          'Start TWS or IB Gateway there with the API enabled, or leave SIM_ENABLED unset to trade on the built-in ' +
          'paper broker `sim` (ib-sim)',
      );
  }
  return startEmbedded({ config, logger: options.logger });
}
