/**
 * ib-sim as a bench process: `tsx bench/proc/sim.ts '<json options>'`. Options: highRateTicksPerSec,
 * maxMarketDataLines, maxMessagesPerSecond. The sim clock starts on a Tuesday 11:00 New York (every market open)
 * and runs at real speed; historical pacing is off. Prints `READY {"port":N,"controlPort":M}` once listening (the
 * control HTTP port: `GET /rate` is the limit's count per clientId); warnings (each breach of the message rate,
 * with its window) go to stdout as JSON lines. SIGTERM stops it.
 */
import { scaledClock, startControlHttp, startSim } from '@trading-system/ib-sim';
import { createLogger } from '@trading-system/runtime';
import { z } from 'zod';

const Options = z.object({
  highRateTicksPerSec: z.number().int().nonnegative().default(0),
  maxMarketDataLines: z.number().int().positive().default(100),
  maxMessagesPerSecond: z.number().int().positive().default(50),
});

/** Tuesday 2024-03-12 11:00 New York (15:00 UTC). */
const SIM_START_MS = Date.parse('2024-03-12T15:00:00Z');

const options = Options.parse(JSON.parse(process.argv[2] ?? '{}'));
const wallStartMs = Date.now();
const sim = await startSim({
  port: 0,
  clock: scaledClock(SIM_START_MS, 1),
  pacing: { enabled: false },
  replay: false,
  maxClients: 64,
  logger: createLogger({ service: 'ib-sim', level: 'warn' }),
  ...options,
});
const control = await startControlHttp(sim.control, 0);
process.stdout.write(`READY ${JSON.stringify({ port: sim.port, controlPort: control.port, wallStartMs })}\n`);
const stop = (): void => {
  Promise.all([control.close(), sim.stop()]).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`ib-sim stop failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
