/**
 * Everything the handlers share: ports (db, bus), clock, configuration and the in-memory live state.
 * Built once by app.ts; handlers receive it instead of importing singletons.
 */
import type { Bus } from '@trading-system/bus';
import type { StreamSpec, TradingState } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerClient } from './broker-client.js';
import type { BrokerRoutes } from './broker-routes.js';
import type { DeferredFlush } from './deferred-flush.js';
import type { Db } from './ledger.js';
import type { LiveState } from './live-state.js';
import type { OutboxRelay } from './outbox-relay.js';
import type { RiskConfig } from './risk-checks.js';

export interface OrdersConfig {
  /** Postgres schema of the ledger ('orders'). */
  readonly schema: string;
  /**
   * Broker connections the OMS routes to; anything else is BROKER_UNKNOWN (unless adopted, below). What each takes
   * is its own announcement (BrokerStatus.capabilities), not configured here.
   */
  readonly brokers: readonly { readonly name: string }[];
  /**
   * Also route to brokers a gateway announces later (`broker.<name>.status`, e.g. after an SDK addBroker), with the
   * capabilities it announces. Off by default: with several OMS instances each must own a fixed set of brokers.
   */
  readonly adoptBrokers?: boolean;
  /** Risk limits used until an operator stores others (orders.riskLimits); stored ones win after a restart. */
  readonly initialRisk: RiskConfig;
  /** Deadline of a broker command (placeOrder, cancelOrder, ...), ms; after it the outcome is unknown. */
  readonly brokerTimeoutMs: number;
  /** Outbox relay safety-net poll, ms. */
  readonly relayPollMs: number;
  /** Fault injection for crash tests only: never publish (see OutboxRelayOptions.paused). */
  readonly relayPaused?: boolean;
  readonly ordersStream: StreamSpec;
  readonly brokerEventsStream: StreamSpec;
  /** Durable consumer name prefix; the consumer of broker B is `<prefix>-<B>`. */
  readonly durablePrefix: string;
  /** Ack wait of the broker-event consumer, ms. */
  readonly ackWaitMs: number;
  /**
   * Period of the check whether a broker needs reconciling (an order awaiting it for longer than the grace), ms;
   * default 5000 (reconcile-scheduler.ts).
   */
  readonly reconcileIntervalMs?: number;
  /**
   * Time after an order's last change (the end of its place request at the latest) before a snapshot may judge it
   * never sent, ms; covers clock skew between OMS and gateway and messages still on their way. Default 2000.
   */
  readonly reconcileGraceMs?: number;
}

/** Operator settings, kept in memory and persisted in the settings table. */
export interface Settings {
  tradingState: TradingState;
  risk: RiskConfig;
}

export interface OmsContext {
  readonly db: Db;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly config: OrdersConfig;
  readonly live: LiveState;
  readonly brokers: BrokerClient;
  /** Where orders may go, and each broker's rules. */
  readonly routes: BrokerRoutes;
  readonly relay: OutboxRelay;
  /** Ledger writes committed without waiting for their flush (the place reply), made durable before publishing. */
  readonly deferred: DeferredFlush;
  readonly settings: Settings;
  /** Orders whose placeOrder is in flight in this process: reconciliation must not judge them yet. */
  readonly inFlight: Set<string>;
}
