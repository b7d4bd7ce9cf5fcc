import { defaultedEnv, optionalEnv } from '@trading-system/runtime';
import { z } from 'zod';

/** Spread into a service's config schema: where its /metrics, /healthz and /readyz endpoint listens. */
export const metricsConfigShape = {
  METRICS_PORT: optionalEnv(z.coerce.number().int().min(0).max(65_535)).describe(
    'port of the Prometheus endpoint (/metrics, /healthz, /readyz); unset = no endpoint, 0 = any free port',
  ),
  METRICS_HOST: defaultedEnv(z.string().min(1), '127.0.0.1').describe(
    'address the metrics endpoint listens on (0.0.0.0 in a container, so Prometheus can scrape it)',
  ),
};

export interface MetricsConfig {
  readonly METRICS_PORT?: number | undefined;
  readonly METRICS_HOST: string;
}
