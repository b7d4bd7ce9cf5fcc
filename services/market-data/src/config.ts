import { metricsConfigShape } from '@trading-system/metrics';
import { checkNatsConfig, defaultedEnv, logConfigShape, natsConfigShape } from '@trading-system/runtime';
import { z } from 'zod';

const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Environment of the market-data process (main.ts); `start()` takes the derived MarketDataConfig. */
export const MarketDataEnv = z
  .object({
    ...logConfigShape,
    ...natsConfigShape,
    ...metricsConfigShape,
    MD_STALE_AFTER_MS: defaultedEnv(ms(100, 3_600_000), 15_000).describe(
      'a line with no tick for this long is reported stale and its bars get the gap flag (default 15000)',
    ),
    MD_HEALTH_EVERY_MS: defaultedEnv(ms(100, 3_600_000), 10_000).describe(
      'md.health.* is published on every change and at least this often per open line (default 10000)',
    ),
    MD_BAR_GRACE_MS: defaultedEnv(ms(0, 600_000), 1_000).describe(
      'a bar with no later trade is completed by the timer this long after its end (default 1000)',
    ),
    MD_SWEEP_EVERY_MS: defaultedEnv(ms(10, 60_000), 200).describe(
      'period of the timer that expires leases, completes bars and checks staleness (default 200)',
    ),
    MD_GATEWAY_TIMEOUT_MS: defaultedEnv(ms(100, 120_000), 10_000).describe(
      'deadline for broker.<name>.cmd.* requests to the gateway (default 10000)',
    ),
    MD_SNAPSHOT_WAIT_MS: defaultedEnv(ms(100, 120_000), 5_000).describe(
      'md.snapshot waits this long for the first tick of an instrument without a line (default 5000)',
    ),
  })
  .superRefine(checkNatsConfig);
export type MarketDataEnv = z.output<typeof MarketDataEnv>;

export interface MarketDataConfig {
  /** No tick for this long → line `stale`, ms. */
  readonly staleAfterMs: number;
  /** md.health.* at least this often per line, ms. */
  readonly healthEveryMs: number;
  /** Timer completion of a bar at end + grace, ms (rtbar-built bars wait 5 s more: a 5-s bar arrives after it ends). */
  readonly barGraceMs: number;
  /** Housekeeping timer period, ms. */
  readonly sweepEveryMs: number;
  readonly gatewayTimeoutMs: number;
  /** How long md.snapshot waits for a first tick, ms. */
  readonly snapshotWaitMs: number;
  /** Lease md.snapshot takes on an instrument without a line (kept warm for follow-up snapshots), ms. */
  readonly snapshotLeaseMs: number;
  /** Period of the info-level log summary (every line's state, tick age and rate), ms. */
  readonly summaryEveryMs: number;
}

export function toMarketDataConfig(env: MarketDataEnv): MarketDataConfig {
  return {
    staleAfterMs: env.MD_STALE_AFTER_MS,
    healthEveryMs: env.MD_HEALTH_EVERY_MS,
    barGraceMs: env.MD_BAR_GRACE_MS,
    sweepEveryMs: env.MD_SWEEP_EVERY_MS,
    gatewayTimeoutMs: env.MD_GATEWAY_TIMEOUT_MS,
    snapshotWaitMs: env.MD_SNAPSHOT_WAIT_MS,
    snapshotLeaseMs: 30_000,
    summaryEveryMs: 60_000,
  };
}

export const DEFAULT_CONFIG: MarketDataConfig = {
  staleAfterMs: 15_000,
  healthEveryMs: 10_000,
  barGraceMs: 1_000,
  sweepEveryMs: 200,
  gatewayTimeoutMs: 10_000,
  snapshotWaitMs: 5_000,
  snapshotLeaseMs: 30_000,
  summaryEveryMs: 60_000,
};
