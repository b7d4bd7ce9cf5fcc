/**
 * The history service as a bench process: `tsx bench/proc/history.ts '<json>'` with natsUrl, databaseUrl, schema,
 * broker, clockStartMs. Its clock follows ib-sim's (clockStartMs at process start, real speed), so "1 Y back
 * from now" is a year the sim can serve. Prints `READY {}` once serving; SIGTERM stops it.
 */
import { createNatsBus } from '@trading-system/bus';
import { catalog, Subjects } from '@trading-system/contracts';
import { start } from '@trading-system/history';
import { createLogger } from '@trading-system/runtime';
import { createDatabase } from '@trading-system/storage';
import { z } from 'zod';

const Options = z.object({
  natsUrl: z.string(),
  databaseUrl: z.string(),
  schema: z.string(),
  broker: z.string(),
  clockStartMs: z.number(),
  fetchConcurrency: z.number().int().positive().default(8),
});
const o = Options.parse(JSON.parse(process.argv[2] ?? '{}'));
const offset = o.clockStartMs - Date.now();
const logger = createLogger({ service: 'history-bench', level: 'warn' });
const bus = await createNatsBus({
  catalog,
  log: logger.child({ component: 'bus' }),
  connection: { servers: o.natsUrl, name: 'history-bench' },
});
const database = await createDatabase<unknown>({ kind: 'pg', url: o.databaseUrl, poolMax: 10 });
const history = await start({
  bus,
  db: database.db as never,
  logger,
  clock: () => Date.now() + offset,
  config: {
    schema: o.schema,
    brokers: [o.broker],
    fetchConcurrency: o.fetchConcurrency,
    ensureOrdersStream: true,
    ordersFilterSubject: Subjects.orderEvent.filter({ broker: o.broker }),
    ordersDurable: `history-${o.broker}`,
  },
});
process.stdout.write('READY {}\n');
const stop = async (): Promise<void> => {
  await history.stop();
  await bus.drain();
  await database.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
