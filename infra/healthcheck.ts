/**
 * Container healthcheck of a NATS service: `node --import tsx infra/healthcheck.ts <service>` exits 0 when the
 * service answers one cheap request over NATS within the deadline, 1 otherwise (no responder, timeout, NATS down).
 * Any reply counts, an error reply too: it proves the process is subscribed and its handlers run. Connects with
 * the container's own NATS_* variables (same parsing as the services, credentials included).
 *
 *   orders       orders.get of an id no order has (a primary-key read; answered ORDER_NOT_FOUND, or
 *                SERVICE_UNAVAILABLE while its database is away: alive either way, a restart would not help)
 *   market-data  md.unsubscribe of no lease   (touches no broker line)
 *   history      hist.orders, limit 1         (a query on its Postgres read model)
 *   gateway-ib   gateway.<GATEWAY_TYPE>.cmd.listBrokers (the process, not the IB session: that has its own
 *                status on broker.<name>.status and reconnects by itself, so a restart would not help)
 *   gateway-paper, gateway-alpaca   the same, GATEWAY_TYPE defaulting to paper / alpaca as the services do
 */
import { pathToFileURL } from 'node:url';
import { openBus } from '@trading-system/bus';
import { catalog, GatewayType, Subjects } from '@trading-system/contracts';
import {
  checkNatsConfig,
  defaultedEnv,
  loadConfig,
  natsConfigShape,
  natsConnectionSettings,
  optionalEnv,
} from '@trading-system/runtime';
import { z } from 'zod';

const ProbeEnv = z
  .object({
    ...natsConfigShape,
    GATEWAY_TYPE: optionalEnv(GatewayType),
    HEALTHCHECK_TIMEOUT_MS: defaultedEnv(z.coerce.number().int().min(100).max(60_000), 2_500),
  })
  .superRefine(checkNatsConfig);

/** The gateway type token each gateway service serves `gateway.<type>.cmd.*` under unless GATEWAY_TYPE says. */
const DEFAULT_GATEWAY_TYPE: Readonly<Record<string, string>> = {
  'gateway-ib': 'ib',
  'gateway-paper': 'paper',
  'gateway-alpaca': 'alpaca',
};

/** The request each service answers, by compose service kind (gatewayType: the gateway's GATEWAY_TYPE, if set). */
export function probeFor(
  service: string,
  gatewayType?: string | undefined,
): { subject: string; body: unknown } | undefined {
  switch (service) {
    case 'orders':
      return { subject: Subjects.ordersGet.build(), body: { v: 1, clientOrderId: 'healthcheck' } };
    case 'market-data':
      return { subject: Subjects.mdUnsubscribe.build(), body: { v: 1, leaseId: 'healthcheck' } };
    case 'history':
      return { subject: Subjects.histOrders.build(), body: { v: 1, query: { limit: 1 } } };
    case 'gateway-ib':
    case 'gateway-paper':
    case 'gateway-alpaca': {
      const type = gatewayType ?? (DEFAULT_GATEWAY_TYPE[service] as string);
      return { subject: Subjects.gatewayCommand.build({ type, verb: 'listBrokers' }), body: { v: 1 } };
    }
    default:
      return undefined;
  }
}

export const PROBED_SERVICES = [
  'orders',
  'market-data',
  'history',
  'gateway-ib',
  'gateway-paper',
  'gateway-alpaca',
] as const;

async function main(): Promise<number> {
  const service = process.argv[2] ?? '';
  const config = loadConfig(ProbeEnv);
  const probe = probeFor(service, config.GATEWAY_TYPE);
  if (probe === undefined) {
    process.stderr.write(`healthcheck: unknown service "${service}"; one of ${PROBED_SERVICES.join(', ')}\n`);
    return 2;
  }
  const connection = natsConnectionSettings(config);
  if (connection === undefined) {
    process.stderr.write('healthcheck: NATS_URL is not set; a service on the in-process bus cannot be probed\n');
    return 2;
  }
  const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined };
  const bus = await openBus({
    connection: { ...connection, maxReconnectAttempts: 0 },
    name: `healthcheck-${service}`,
    catalog,
    log: quiet,
    onLost: () => undefined,
  });
  try {
    // An error reply ({ ok: false }) resolves too: the service is alive. A throw is silence, no responder or a
    // reply that breaks its schema.
    await bus.request(probe.subject, probe.body, { timeoutMs: config.HEALTHCHECK_TIMEOUT_MS });
    return 0;
  } catch (err) {
    process.stderr.write(`healthcheck: ${service} did not answer ${probe.subject}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await bus.drain();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`healthcheck failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
