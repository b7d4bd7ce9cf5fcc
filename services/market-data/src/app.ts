/**
 * market-data: leases on `md.subscribe` / `md.unsubscribe` → one gateway subscription per broker + instrument
 * (however many clients), the last-quote cache behind `md.snapshot`, bars of any timeframe on
 * `md.bar.<timeframe>.<broker>.<instrumentId>` built from the gateways' exact trades, feed health on
 * `md.health.<broker>.<instrumentId>` (its only producer). Wiring only; where each part lives:
 *   handlers/md-subscribe.ts, md-unsubscribe.ts, md-snapshot.ts, broker-status.ts — one per subject served;
 *   leases.ts — grant / renew / end a lease and apply the change to its line (lease-table.ts counts, pure);
 *   gateway-lines.ts — the open lines, their bus subscriptions and gateway streams;
 *   line.ts — one line: quote cache, feed state, bar aggregators (bar-aggregator.ts, sessions.ts).
 *
 * Run ONE instance per NATS system: leases live in this process (a second instance would hold a second set of
 * gateway references). A crash loses the leases; clients renew with the same lease id and get them back.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type Bar,
  type BrokerStatus,
  type FeedHealth,
  type MdSnapshotReply,
  type MdSnapshotRequest,
  type MdSubscribeReply,
  type MdSubscribeRequest,
  type MdUnsubscribeReply,
  type MdUnsubscribeRequest,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { DEFAULT_CONFIG, type MarketDataConfig } from './config.js';
import { GatewayClient } from './gateway-client.js';
import { GatewayLines } from './gateway-lines.js';
import { brokerStatusHandler } from './handlers/broker-status.js';
import { mdSnapshotHandler } from './handlers/md-snapshot.js';
import { mdSubscribeHandler } from './handlers/md-subscribe.js';
import { mdUnsubscribeHandler } from './handlers/md-unsubscribe.js';
import { KeyedQueue } from './keyed-queue.js';
import { LeaseTable } from './lease-table.js';
import { Leases } from './leases.js';
import type { Line, LineEvents } from './line.js';
import { Summary } from './summary.js';

export interface MarketDataDeps {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly config?: Partial<MarketDataConfig>;
  /** Epoch ms; injectable for tests. */
  readonly clock?: () => number;
  /**
   * Request subjects to serve (default `md.subscribe` / `md.unsubscribe` / `md.snapshot`). Tests running several
   * instances on one NATS server give each its own; the catalog must know them.
   */
  readonly subjects?: { readonly subscribe: string; readonly unsubscribe: string; readonly snapshot: string };
}

export interface MarketDataService {
  /** Open lines (for tests and metrics). */
  lines(): ReadonlyMap<string, Line>;
  readonly leases: LeaseTable;
  stop(): Promise<void>;
}

export async function start(deps: MarketDataDeps): Promise<MarketDataService> {
  const { bus } = deps;
  const log = deps.logger.child({ component: 'market-data' });
  const cfg: MarketDataConfig = { ...DEFAULT_CONFIG, ...deps.config };
  const now = deps.clock ?? Date.now;
  const subjects = deps.subjects ?? {
    subscribe: Subjects.mdSubscribe.build(),
    unsubscribe: Subjects.mdUnsubscribe.build(),
    snapshot: Subjects.mdSnapshot.build(),
  };
  const gateway = new GatewayClient(bus, cfg.gatewayTimeoutMs);
  const queue = new KeyedQueue();
  const lines = new GatewayLines(bus, gateway, queue, cfg, log, now, (broker) => lineEvents(bus, log, broker));
  const leases = new Leases(new LeaseTable(now), lines, queue, log, now);
  const summary = new Summary(cfg.summaryEveryMs, log, now);
  const onStatus = brokerStatusHandler(lines, log);
  let stopping = false;

  const subs: Subscription[] = [
    bus.serve<MdSubscribeRequest, MdSubscribeReply>(
      subjects.subscribe,
      mdSubscribeHandler(gateway, leases, log, subjects.subscribe),
    ),
    bus.serve<MdUnsubscribeRequest, MdUnsubscribeReply>(
      subjects.unsubscribe,
      mdUnsubscribeHandler(leases, log, subjects.unsubscribe),
    ),
    bus.serve<MdSnapshotRequest, MdSnapshotReply>(
      subjects.snapshot,
      mdSnapshotHandler(gateway, lines, leases, cfg, log, now),
    ),
    bus.subscribe<BrokerStatus>(Subjects.brokerStatus.filter(), (m) => onStatus(m.data)),
  ];

  // Timer: expired leases end, due bars complete, stale lines are marked, health and the summary go out.
  const timer = setInterval(() => {
    if (stopping) return;
    leases.expireDue();
    for (const line of lines.lines.values()) line.sweep();
    summary.maybeLog(lines.lines, leases.table.size);
  }, cfg.sweepEveryMs);
  // Started means answering: the server holds our subscriptions before a client can ask.
  await bus.flush();

  return {
    lines: () => lines.lines,
    leases: leases.table,
    async stop() {
      stopping = true;
      clearInterval(timer);
      for (const s of subs.splice(0)) s.unsubscribe();
      await queue.idle();
      await lines.closeAll();
    },
  };
}

/** Where a line's completed bars and feed health go: published, and health state changes logged. */
function lineEvents(bus: Bus, log: Logger, broker: string): LineEvents {
  const publish = (subject: string, body: Bar | FeedHealth): void => {
    try {
      bus.publish(subject, body);
    } catch (err) {
      log.error({ err, subject }, 'publish failed');
    }
  };
  return {
    bar: (bar) =>
      publish(Subjects.mdBar.build({ timeframe: bar.timeframe, broker, instrument: bar.instrumentId }), bar),
    health: (h, changed) => {
      publish(Subjects.mdHealth.build({ broker, instrument: h.instrumentId }), h);
      const fields = { ...h, ...(changed === undefined ? {} : { from: changed.from }) };
      if (changed === undefined) log.debug(fields, 'feed health');
      else if (h.state === 'stale' || h.state === 'down') log.warn(fields, 'feed state changed');
      else log.info(fields, 'feed state changed');
    },
  };
}
