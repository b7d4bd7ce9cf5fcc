/**
 * One Prometheus registry per process. Every metric name of the system is created through the get-or-create
 * helpers here, so the embedded process (every service on one registry) and a service process (its own) share the
 * same names, and a second registration of a name returns the first instead of throwing.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

/** Histogram buckets for message handlers, queries and requests, seconds: 0.5 ms to 10 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface RegistryOptions {
  /** The `service` label on every series (`orders`; `trading-system` for the embedded process). */
  readonly service: string;
  /** Node's process metrics (CPU, memory, event-loop lag, GC); default true. */
  readonly processMetrics?: boolean;
}

export function createRegistry(options: RegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

interface Spec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export function counter<L extends string>(registry: Registry, spec: Spec<L>): Counter<L> {
  const found = registry.getSingleMetric(spec.name);
  if (found !== undefined) return found as Counter<L>;
  return new Counter<L>({ ...spec, labelNames: spec.labelNames ?? [], registers: [registry] });
}

export function histogram<L extends string>(
  registry: Registry,
  spec: Spec<L> & { readonly buckets?: readonly number[] },
): Histogram<L> {
  const found = registry.getSingleMetric(spec.name);
  if (found !== undefined) return found as Histogram<L>;
  return new Histogram<L>({
    ...spec,
    labelNames: spec.labelNames ?? [],
    buckets: [...(spec.buckets ?? LATENCY_BUCKETS)],
    registers: [registry],
  });
}

export function gauge<L extends string>(registry: Registry, spec: Spec<L>): Gauge<L> {
  const found = registry.getSingleMetric(spec.name);
  if (found !== undefined) return found as Gauge<L>;
  return new Gauge<L>({ ...spec, labelNames: spec.labelNames ?? [], registers: [registry] });
}

/**
 * A gauge whose values are read at scrape time (queue depths, connection states, rows in a table). `read` sets the
 * values through the gauge it is given; several sources (two brokers' gateways in one process) may add their own
 * reader to one name. A reader that throws is dropped for this scrape only, so one failing source (a database
 * that is down) does not fail the whole scrape.
 */
export function sampledGauge<L extends string>(
  registry: Registry,
  spec: Spec<L>,
  read: (g: Gauge<L>) => void | Promise<void>,
): () => void {
  let readers = sampledReaders.get(registry)?.get(spec.name) as
    | Array<(g: Gauge<L>) => void | Promise<void>>
    | undefined;
  if (readers === undefined) {
    const list: Array<(g: Gauge<L>) => void | Promise<void>> = [];
    readers = list;
    const byName = sampledReaders.get(registry) ?? new Map<string, unknown[]>();
    sampledReaders.set(registry, byName);
    byName.set(spec.name, list);
    new Gauge<L>({
      ...spec,
      labelNames: spec.labelNames ?? [],
      registers: [registry],
      async collect() {
        this.reset();
        await Promise.all(
          list.map(async (r) => {
            try {
              await r(this);
            } catch {
              // One source failing leaves its series out of this scrape; the scrape itself goes on.
            }
          }),
        );
      },
    });
  }
  const own = readers;
  own.push(read);
  return () => {
    const i = own.indexOf(read);
    if (i >= 0) own.splice(i, 1);
  };
}

const sampledReaders = new WeakMap<Registry, Map<string, unknown[]>>();
