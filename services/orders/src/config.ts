/** Environment configuration of the orders service (validated once by main.ts, then frozen). */
import { BROKER_EVENTS_STREAM, DURABLE_CONSUMERS, ORDERS_STREAM, RiskLimits } from '@trading-system/contracts';
import { metricsConfigShape } from '@trading-system/metrics';
import {
  checkDatabaseConfig,
  checkNatsConfig,
  type DeepReadonly,
  databaseConfigShape,
  defaultedEnv,
  logConfigShape,
  natsConfigShape,
} from '@trading-system/runtime';
import { z } from 'zod';
import type { OrdersConfig } from './context.js';
import { DEFAULT_RISK_CONFIG, withShippedDefaults } from './risk-checks.js';

/**
 * The OMS's settings when nothing overrides them: the environment defaults below, the orders service's main.ts and
 * the embedded runtime all start from this one object, so the two deployments cannot drift apart.
 */
export const ORDERS_DEFAULTS = Object.freeze({
  schema: 'orders',
  brokers: [{ name: 'sim' }],
  adoptBrokers: true,
  initialRisk: DEFAULT_RISK_CONFIG,
  brokerTimeoutMs: 5_000,
  reconcileIntervalMs: 5_000,
  reconcileGraceMs: 2_000,
  relayPollMs: 1_000,
  relayPaused: false,
  ordersStream: ORDERS_STREAM,
  brokerEventsStream: BROKER_EVENTS_STREAM,
  durablePrefix: DURABLE_CONSUMERS.ordersBrokerEvents,
  // Only a process that died holding an event waits this out: a live one keeps what it holds in progress (the bus).
  ackWaitMs: 5_000,
} satisfies OrdersConfig);

// What a broker takes is its own announcement now (BrokerStatus.capabilities); the per-broker ':nogtc' suffix of
// earlier versions is refused by name, so a deployment relying on it learns where the setting went instead of
// silently sending GTC orders.
const BrokerList = z
  .string()
  .refine((s) => !s.includes(':nogtc'), {
    message:
      "':nogtc' moved to the gateway: a broker announces the TIFs it takes (gateway-ib: IB_TIFS=DAY,IOC,FOK refuses GTC)",
  })
  .regex(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, {
    message: 'expected broker names separated by commas (e.g. sim,ib_paper)',
  })
  .transform((s) => s.split(',').map((name) => ({ name })));

const RiskConfigJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(
    z.object({
      default: RiskLimits.default({}),
      accounts: z.record(z.string(), RiskLimits).default({}),
      strategies: z.record(z.string(), RiskLimits).default({}),
    }),
  )
  .transform(withShippedDefaults);

export const OrdersEnv = z
  .object({
    ...logConfigShape,
    ...natsConfigShape,
    ...databaseConfigShape,
    ...metricsConfigShape,
    ORDERS_BROKERS: defaultedEnv(BrokerList, ORDERS_DEFAULTS.brokers).describe(
      'broker connections the OMS routes to, comma-separated (default sim); what each takes is what its gateway ' +
        'announces (BrokerStatus.capabilities)',
    ),
    // On by default: a broker added through the SDK's addBroker must take orders in every deployment, as it does
    // embedded. An operator who wants an allow-list sets it false and lists the brokers in ORDERS_BROKERS.
    ORDERS_ADOPT_BROKERS: defaultedEnv(z.stringbool(), ORDERS_DEFAULTS.adoptBrokers).describe(
      'also route to brokers a gateway announces later (SDK addBroker); false = route only to ' +
        'ORDERS_BROKERS (an allow-list; also when several OMS instances split the brokers between them) (default true)',
    ),
    ORDERS_DB_SCHEMA: defaultedEnv(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/), ORDERS_DEFAULTS.schema).describe(
      'Postgres schema of the ledger (default orders)',
    ),
    ORDERS_BROKER_TIMEOUT_MS: defaultedEnv(
      z.coerce.number().int().min(100).max(120_000),
      ORDERS_DEFAULTS.brokerTimeoutMs,
    ).describe(
      `deadline of a broker command in ms; after it the order is unresolved until reconciliation (default ${ORDERS_DEFAULTS.brokerTimeoutMs})`,
    ),
    ORDERS_RECONCILE_INTERVAL_MS: defaultedEnv(
      z.coerce.number().int().min(100).max(600_000),
      ORDERS_DEFAULTS.reconcileIntervalMs,
    ).describe(
      'how often the OMS checks, per broker, for orders awaiting the broker (accepted, pendingSubmit, unresolved, ' +
        'pendingCancel or a remembered cancel) for longer than ORDERS_RECONCILE_GRACE_MS, and then asks the ' +
        `gateway for a reconciliation snapshot that settles them, in ms (default ${ORDERS_DEFAULTS.reconcileIntervalMs})`,
    ),
    ORDERS_RECONCILE_GRACE_MS: defaultedEnv(
      z.coerce.number().int().min(0).max(600_000),
      ORDERS_DEFAULTS.reconcileGraceMs,
    ).describe(
      'time after an order was last changed (its place request ended) before a snapshot that does not list it ' +
        'may resolve it as never sent (rejected NEVER_REACHED_BROKER), in ms; covers clock skew between the OMS ' +
        `and the gateway (default ${ORDERS_DEFAULTS.reconcileGraceMs})`,
    ),
    ORDERS_RISK_LIMITS: defaultedEnv(RiskConfigJson, ORDERS_DEFAULTS.initialRisk).describe(
      'initial risk limits as JSON {"default":{...},"accounts":{"DU1":{...}},"strategies":{"s1":{...}}}; ' +
        'the default set always keeps maxOrderQuantity 100000, maxOrderNotional 1000000 and ' +
        'priceCollarPercent 20 unless it sets them (raise or lower, never remove; services/orders/README.md); ' +
        'limits stored by an operator (orders.riskLimits) win after a restart',
    ),
    ORDERS_RELAY_PAUSED: defaultedEnv(z.stringbool(), ORDERS_DEFAULTS.relayPaused).describe(
      'fault injection for crash tests: keep every order event unpublished in the outbox (default false)',
    ),
  })
  .superRefine((c, ctx) => {
    checkNatsConfig(c, ctx);
    checkDatabaseConfig(c, ctx);
  });
export type OrdersEnv = z.output<typeof OrdersEnv>;

/** The OMS's settings from a validated environment; what the environment does not name keeps ORDERS_DEFAULTS. */
export function ordersConfig(env: DeepReadonly<OrdersEnv>): OrdersConfig {
  return Object.freeze({
    ...ORDERS_DEFAULTS,
    schema: env.ORDERS_DB_SCHEMA,
    brokers: env.ORDERS_BROKERS,
    adoptBrokers: env.ORDERS_ADOPT_BROKERS,
    initialRisk: env.ORDERS_RISK_LIMITS,
    brokerTimeoutMs: env.ORDERS_BROKER_TIMEOUT_MS,
    reconcileIntervalMs: env.ORDERS_RECONCILE_INTERVAL_MS,
    reconcileGraceMs: env.ORDERS_RECONCILE_GRACE_MS,
    relayPaused: env.ORDERS_RELAY_PAUSED,
  });
}
