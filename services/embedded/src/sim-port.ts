import { createServer } from 'node:net';
import { type RunningSim, startSim } from '@trading-system/ib-sim';
import type { Logger } from '@trading-system/runtime';
import type { EmbeddedConfig } from './config.js';

/** SIM_PORT is taken and no other port may be used: says what holds such a port and what to set instead. */
export class SimPortTakenError extends Error {
  override readonly name = 'SimPortTakenError';
  readonly hint: string;
  constructor(host: string, port: number, options: { cause: unknown }) {
    super(
      `ib-sim cannot listen on ${host}:${port}: the port is taken (a TWS / IB Gateway, or another trading-system)`,
      options,
    );
    this.hint =
      `SIM_PORT=0 runs ib-sim on any free port (SIM_PORT=<n> on one of yours); or trade on what holds ${port}: ` +
      `SIM_ENABLED=false IB_PORT=${port}`;
  }
}

/**
 * Starts ib-sim on SIM_PORT (7497, TWS paper's port, so a program written for paper TWS reaches it unchanged). When
 * that port is taken — a real TWS / IB Gateway, or another system's ib-sim — and SIM_PORT_FALLBACK is on, ib-sim
 * takes any free port instead and the program's 7497 reaches whoever holds it, as it would without us; otherwise a
 * SimPortTakenError says what to set.
 */
export async function startSimOn(
  config: Pick<EmbeddedConfig, 'SIM_PORT' | 'SIM_HOST' | 'SIM_PORT_FALLBACK'>,
  logger: Logger,
): Promise<RunningSim> {
  try {
    // Asked first, so that ib-sim does not log a refused listen as its own server error.
    if (config.SIM_PORT !== 0 && (await portTaken(config.SIM_HOST, config.SIM_PORT)))
      throw Object.assign(
        new Error(`listen EADDRINUSE: address already in use ${config.SIM_HOST}:${config.SIM_PORT}`),
        {
          code: 'EADDRINUSE',
        },
      );
    return await startSim({ port: config.SIM_PORT, host: config.SIM_HOST, logger });
  } catch (err) {
    if (config.SIM_PORT === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (!config.SIM_PORT_FALLBACK) throw new SimPortTakenError(config.SIM_HOST, config.SIM_PORT, { cause: err });
    logger.info({ port: config.SIM_PORT }, 'port taken (a TWS or another ib-sim): ib-sim listens on a free port');
    return startSim({ port: 0, host: config.SIM_HOST, logger });
  }
}

/** True when something already listens on host:port (a bind there fails with EADDRINUSE). */
function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}
