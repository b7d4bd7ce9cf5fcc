import { DURABLE_CONSUMERS, ORDERS_STREAM, Subjects } from '@trading-system/contracts';
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

const intEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Environment of the history service (validated once in main.ts, then frozen). */
export const HistoryEnvConfig = z
  .object({
    ...logConfigShape,
    ...natsConfigShape,
    ...databaseConfigShape,
    ...metricsConfigShape,
    HISTORY_FETCH_CONCURRENCY: defaultedEnv(intEnv(1, 50), 4).describe(
      'broker fetches in flight per download (the gateway paces them; default 4)',
    ),
    HISTORY_FETCH_TIMEOUT_MS: defaultedEnv(intEnv(1_000, 600_000), 120_000).describe(
      "per fetchHistory: time at IB plus waits for anything but IB's pacing rules (those are forecast and allowed for), ms (default 120000)",
    ),
    HISTORY_LIVE_BARS: defaultedEnv(z.stringbool(), true).describe(
      'cache completed intraday md.bar.* bars from market-data, so the cache grows from live data (default true)',
    ),
    HISTORY_BROKERS: optionalEnv(z.string().regex(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/)).describe(
      'comma-separated broker names this instance answers hist.* for; unset = every broker',
    ),
  })
  .superRefine((c, ctx) => {
    checkNatsConfig(c, ctx);
    checkDatabaseConfig(c, ctx);
  });
export type HistoryEnvConfig = z.output<typeof HistoryEnvConfig>;

/** What app.start needs; main.ts derives it from the environment, tests write it directly. */
export interface HistoryConfig {
  /** Postgres schema of the service's tables (default `history`). */
  readonly schema: string;
  readonly fetchConcurrency: number;
  readonly fetchTimeoutMs: number;
  /** Timeout of qualifyContract requests, ms. */
  readonly qualifyTimeoutMs: number;
  /** Cap on one chunk's span below IB's table, ms (tests: many small chunks). */
  readonly maxChunkSpanMs?: number;
  /**
   * Brokers this instance answers hist.* requests for (requests naming another broker, or none for
   * orders/trades, are left to other instances). Undefined = all, served in queue group `history`.
   */
  readonly brokers?: readonly string[];
  /** Order events: stream, subject filter, durable base name. */
  readonly ordersStream: string;
  readonly ordersFilterSubject: string;
  readonly ordersDurable: string;
  /** Cache completed live bars from market-data (`md.bar.*`). */
  readonly liveBars: boolean;
  /** Ensure the ORDERS stream exists at start (production: true; tests with their own stream: false). */
  readonly ensureOrdersStream: boolean;
}

export const DEFAULT_HISTORY_CONFIG: HistoryConfig = {
  schema: 'history',
  fetchConcurrency: 4,
  fetchTimeoutMs: 120_000,
  qualifyTimeoutMs: 15_000,
  ordersStream: ORDERS_STREAM.name,
  ordersFilterSubject: Subjects.orderEvent.pattern,
  ordersDurable: DURABLE_CONSUMERS.historyOrders,
  ensureOrdersStream: true,
  liveBars: true,
};
