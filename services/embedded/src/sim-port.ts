import { type RunningSim, startSim } from '@trading-system/ib-sim';
import type { Logger } from '@trading-system/runtime';
import type { EmbeddedConfig } from './config.js';

/**
 * Starts ib-sim on SIM_PORT (7497, TWS paper's port, so a program written for paper TWS reaches it unchanged). When
 * that port is taken — a real TWS / IB Gateway, or another system's ib-sim — and SIM_PORT_FALLBACK is on, ib-sim
 * takes any free port instead and the program's 7497 reaches whoever holds it, as it would without us.
 */
export async function startSimOn(
  config: Pick<EmbeddedConfig, 'SIM_PORT' | 'SIM_HOST' | 'SIM_PORT_FALLBACK'>,
  logger: Logger,
): Promise<RunningSim> {
  try {
    return await startSim({ port: config.SIM_PORT, host: config.SIM_HOST, logger });
  } catch (err) {
    if (!config.SIM_PORT_FALLBACK || config.SIM_PORT === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE')
      throw err;
    logger.info({ port: config.SIM_PORT }, 'port taken (a TWS or another ib-sim): ib-sim listens on a free port');
    return startSim({ port: 0, host: config.SIM_HOST, logger });
  }
}
