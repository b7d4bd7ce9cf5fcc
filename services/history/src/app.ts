/**
 * history: bars cache with coverage map and pacing-aware back-fill (`hist.bars`), CSV export (`hist.export`), and
 * the order/trade read model built from the ORDERS stream (`hist.orders`, `hist.trades`). Wiring only: each request
 * subject's handler is in handlers/ (hist-bars, hist-export, hist-orders), served by request-server.ts (queue group,
 * broker filter, typed error replies); streamed replies run in streamed-requests.ts; completed live bars from
 * market-data are stored by live-bars.ts.
 */
import { type Bus, toStreamConfig } from '@trading-system/bus';
import {
  type HistBarsReply,
  type HistBarsRequest,
  type HistExportReply,
  type HistExportRequest,
  type HistOrdersReply,
  type HistOrdersRequest,
  type HistTradesReply,
  type HistTradesRequest,
  ORDERS_STREAM,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import { BarStore } from './bar-store.js';
import { BarsService } from './bars-service.js';
import { BrokerHistory } from './broker-history.js';
import { DEFAULT_HISTORY_CONFIG, type HistoryConfig } from './config.js';
import type { HistoryDb } from './db-types.js';
import { histBarsHandler } from './handlers/hist-bars.js';
import { histExportHandler } from './handlers/hist-export.js';
import { histOrdersHandler, histTradesHandler } from './handlers/hist-orders.js';
import { InstrumentResolver } from './instruments.js';
import { type LiveBarStats, startLiveBars } from './live-bars.js';
import { migrations } from './migrations/index.js';
import { type HistoryObserver, NO_HISTORY_OBSERVER } from './observer.js';
import { OrderReadModel } from './read-model.js';
import { RequestServer } from './request-server.js';
import { StreamedRequests } from './streamed-requests.js';

export interface HistoryDeps {
  readonly bus: Bus;
  /** Unscoped database; the service migrates and uses `config.schema`. */
  // biome-ignore lint/suspicious/noExplicitAny: the service scopes the caller's database to its own schema
  readonly db: Kysely<any>;
  readonly logger: Logger;
  readonly config?: Partial<HistoryConfig>;
  /** Epoch-ms clock (tests pin "now"); default Date.now. */
  readonly clock?: () => number;
  /** Called once, right before the request subjects are served (the database-wait stand-in hands over). */
  readonly beforeServe?: () => void;
  /** Cache lookups and bars served, for metrics (default: none). */
  readonly observer?: HistoryObserver;
}

export interface History {
  readonly readModel: OrderReadModel;
  /** Live bars cached from market-data (zero when `liveBars` is off). */
  readonly liveBars: Readonly<LiveBarStats>;
  /** Streamed requests still running. */
  readonly running: () => number;
  stop(): Promise<void>;
}

export async function start(deps: HistoryDeps): Promise<History> {
  const config: HistoryConfig = { ...DEFAULT_HISTORY_CONFIG, ...deps.config };
  const now = deps.clock ?? Date.now;
  const log = deps.logger.child({ component: 'history' });
  await migrateToLatest(deps.db, { schema: config.schema, migrations });
  const db = deps.db.withSchema(config.schema) as Kysely<HistoryDb>;
  const store = new BarStore(db, config.schema);
  const observer = deps.observer ?? NO_HISTORY_OBSERVER;
  const brokerHistory = new BrokerHistory(deps.bus, config.fetchTimeoutMs);
  const bars = new BarsService({
    bus: deps.bus,
    brokers: brokerHistory,
    store,
    instruments: new InstrumentResolver(db, deps.bus, config.qualifyTimeoutMs),
    log,
    now,
    observer,
    backfill: {
      concurrency: config.fetchConcurrency,
      fetchTimeoutMs: config.fetchTimeoutMs,
      ...(config.maxChunkSpanMs === undefined ? {} : { maxChunkSpanMs: config.maxChunkSpanMs }),
    },
  });

  if (config.ensureOrdersStream) {
    await deps.bus.jetstream.ensureStream(toStreamConfig(ORDERS_STREAM));
  }
  const readModel = new OrderReadModel(db, deps.bus, log.child({ component: 'read-model' }), {
    stream: config.ordersStream,
    filterSubject: config.ordersFilterSubject,
    durableBase: config.ordersDurable,
    // Only a process that died holding an event waits this out: a live one keeps what it holds in progress (the bus).
    ackWaitMs: 5_000,
    maxDeliver: 10,
  });
  await readModel.refoldOnce();
  await readModel.start();

  const brokers = config.brokers === undefined ? undefined : new Set(config.brokers);
  const queue = brokers === undefined ? 'history' : `history-${[...brokers].sort().join('-')}`.slice(0, 200);
  const server = new RequestServer(deps.bus, log, { queue, brokers, beforeServe: deps.beforeServe });
  const streamed = new StreamedRequests(deps.bus, log, now);

  server.serve<HistBarsRequest, HistBarsReply>(
    Subjects.histBars.build(),
    (r) => r.query.broker,
    histBarsHandler(bars, streamed, observer),
  );
  server.serve<HistExportRequest, HistExportReply>(
    Subjects.histExport.build(),
    (r) => r.export.query.broker,
    histExportHandler(db, bars, streamed),
  );
  server.serve<HistOrdersRequest, HistOrdersReply>(
    Subjects.histOrders.build(),
    (r) => r.query.broker,
    histOrdersHandler(db),
  );
  server.serve<HistTradesRequest, HistTradesReply>(
    Subjects.histTrades.build(),
    (r) => r.query.broker,
    histTradesHandler(db),
  );

  const live = config.liveBars
    ? startLiveBars({ bus: deps.bus, store, log, queue, mine: (b) => server.mine(b), brokers: brokerHistory })
    : undefined;
  if (live !== undefined) server.add(live.subscription);

  // Started means answering: the server holds our subscriptions before a client can ask.
  await deps.bus.flush();
  log.info({ schema: config.schema, brokers: config.brokers ?? 'all', liveBars: config.liveBars }, 'history started');
  return {
    readModel,
    liveBars: live?.stats ?? { stored: 0, known: 0, skipped: 0 },
    running: () => streamed.running,
    async stop() {
      streamed.stop();
      server.stop();
      await readModel.stop();
      await streamed.idle();
      log.info('history stopped');
    },
  };
}
