import { databaseConfigShape, defaultedEnv, logConfigShape, natsConfigShape } from '@trading-system/runtime';
import { z } from 'zod';

/**
 * The all-in-one runtime. With no NATS_URL the bus is in-process; with no DATABASE_URL storage is PGlite in
 * PGLITE_DATA_DIR. ib-sim is the default broker (SIM_PORT, 7497 like TWS paper trading; SIM_ENABLED=false when a
 * real TWS / IB Gateway is used instead).
 */
export const EmbeddedConfig = z.object({
  ...logConfigShape,
  ...natsConfigShape,
  ...databaseConfigShape,
  SIM_ENABLED: defaultedEnv(z.enum(['true', 'false']), 'true')
    .transform((v) => v === 'true')
    .describe('start ib-sim in-process as the broker (true/false)'),
  SIM_HOST: defaultedEnv(z.string(), '127.0.0.1').describe('address ib-sim listens on'),
  SIM_PORT: defaultedEnv(z.coerce.number().int().min(0).max(65_535), 7497).describe(
    'port ib-sim listens on (0 = any free port)',
  ),
});
export type EmbeddedConfig = z.output<typeof EmbeddedConfig>;
