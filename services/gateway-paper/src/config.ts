/**
 * gateway-paper configuration, from the environment: one paper broker (`BROKER_NAME`) shadowing the quotes of
 * another (`PAPER_QUOTES_FROM`), its books in Postgres schema `PAPER_DB_SCHEMA` (PGlite without DATABASE_URL).
 */
import { AccountId, BrokerName, GatewayType, PAPER_BROKER_TYPE } from '@trading-system/contracts';
import { metricsConfigShape } from '@trading-system/metrics';
import {
  checkDatabaseConfig,
  checkNatsConfig,
  databaseConfigShape,
  defaultedEnv,
  logConfigShape,
  natsConfigShape,
  optionalEnv,
} from '@trading-system/runtime';
import { z } from 'zod';

export const PaperGatewayConfig = z
  .object({
    ...natsConfigShape,
    ...databaseConfigShape,
    ...logConfigShape,
    ...metricsConfigShape,
    GATEWAY_TYPE: defaultedEnv(GatewayType, PAPER_BROKER_TYPE).describe(
      'gateway type token of gateway.<type>.cmd.* (default paper)',
    ),
    BROKER_NAME: defaultedEnv(BrokerName, 'paper').describe('name of the paper broker (default paper)'),
    PAPER_QUOTES_FROM: defaultedEnv(BrokerName, 'sim').describe(
      'broker whose live quotes, instruments and history the paper broker uses (default sim)',
    ),
    PAPER_ACCOUNT: defaultedEnv(AccountId, 'PAPER').describe('the paper account id (default PAPER)'),
    PAPER_STARTING_CASH: defaultedEnv(z.coerce.number().int().positive().max(1e12), 1_000_000).describe(
      'opening cash of a new paper account, USD (default 1000000); a stored account keeps its own',
    ),
    PAPER_MARKET_HOURS: defaultedEnv(z.enum(['calendar', 'always']), 'calendar').describe(
      'calendar: orders match only in the instrument session (extended with outsideRth); always: whenever the ' +
        'source quotes (a source on its own clock, e.g. a replay) (default calendar)',
    ),
    PAPER_REPLAY_FROM: optionalEnv(z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))).describe(
      'prices from a replay of the source history starting at this ISO time (e.g. 2024-03-12T13:30:00Z) instead of ' +
        'its live quotes; unset: live quotes',
    ),
    PAPER_REPLAY_SPEED: defaultedEnv(z.coerce.number().positive().max(100_000), 1).describe(
      'market milliseconds per wall millisecond of the replay (60: an hour of history per minute) (default 1)',
    ),
    PAPER_DB_SCHEMA: defaultedEnv(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/), 'paper').describe(
      'Postgres schema of the paper books (default paper)',
    ),
  })
  .superRefine((c, ctx) => {
    checkNatsConfig(c, ctx);
    checkDatabaseConfig(c, ctx);
  });
export type PaperGatewayConfig = z.output<typeof PaperGatewayConfig>;
