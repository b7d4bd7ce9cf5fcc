/**
 * history: bars cache with coverage map and pacing-aware back-fill (`hist.bars`), CSV export (`hist.export`), and
 * the order/trade read model built from the ORDERS stream (`hist.orders`, `hist.trades`).
 */
import { type Bus, type Subscription, toStreamConfig } from '@trading-system/bus';
import {
  type ErrorReply,
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
import { queryOrders, queryTrades } from './audit-queries.js';
import { BarStore } from './bar-store.js';
import { BarsService } from './bars-service.js';
import { BrokerHistory } from './broker-history.js';
import { DEFAULT_HISTORY_CONFIG, type HistoryConfig } from './config.js';
import type { HistoryDb } from './db-types.js';
import { errorCode, errorMessage, HistoryStoppedError } from './errors.js';
import { runExport } from './export.js';
import { InstrumentResolver } from './instruments.js';
import { type LiveBarStats, startLiveBars } from './live-bars.js';
import { migrations } from './migrations/index.js';
import { type HistoryObserver, NO_HISTORY_OBSERVER } from './observer.js';
import { OrderReadModel } from './read-model.js';
import { StreamPublisher } from './stream-publisher.js';

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
    ackWaitMs: 30_000,
    maxDeliver: 10,
  });
  await readModel.refoldOnce();
  await readModel.start();

  const abort = new AbortController();
  const tasks = new Set<Promise<void>>();
  const subs: Subscription[] = [];
  const brokers = config.brokers === undefined ? undefined : new Set(config.brokers);
  const queue = brokers === undefined ? 'history' : `history-${[...brokers].sort().join('-')}`.slice(0, 200);
  const mine = (broker: string | undefined): boolean =>
    brokers === undefined || (broker !== undefined && brokers.has(broker));

  /**
   * Serves `subject`; with a broker filter, valid requests for other brokers get no answer from this instance
   * (the bus's `claim`), while a malformed request is refused by every instance that hears it.
   */
  function serve<Req, Rep>(
    subject: string,
    brokerOf: (r: Req) => string | undefined,
    handle: (r: Req) => Promise<Rep>,
  ) {
    const answer = async (body: Req): Promise<Rep | ErrorReply> => {
      try {
        return await handle(body);
      } catch (err) {
        const code = errorCode(err);
        // A typed refusal (an unknown contract, a bad range) is the requester's answer, not a fault of ours: one
        // line without a stack. Only what we did not expect is logged with its stack.
        if (code === 'INTERNAL_ERROR') log.warn({ err, subject }, 'request failed');
        else log.info({ subject, code, message: errorMessage(err) }, 'request refused');
        return { v: 1, ok: false, code, message: errorMessage(err) };
      }
    };
    const claim = brokers === undefined ? undefined : (r: Req) => mine(brokerOf(r));
    deps.beforeServe?.();
    subs.push(
      deps.bus.serve<Req, Rep | ErrorReply>(subject, answer, { queue, ...(claim === undefined ? {} : { claim }) }),
    );
  }

  /** Acknowledges a streamed request at once and runs `work` in the background until it publishes `end`. */
  function streamed(requestId: string, work: (out: StreamPublisher) => Promise<void>) {
    const out = new StreamPublisher(deps.bus, requestId, now);
    const task = (async () => {
      // Let the ack go out before the first chunk (the caller is subscribed either way).
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await work(out);
        if (abort.signal.aborted) throw new HistoryStoppedError();
      } catch (err) {
        log.warn({ err, requestId }, 'streamed request failed');
        out.end([], { code: errorCode(err), message: errorMessage(err) });
      }
    })().finally(() => tasks.delete(task));
    tasks.add(task);
    return { v: 1 as const, ok: true as const, requestId, streamSubject: out.subject };
  }

  serve<HistBarsRequest, HistBarsReply>(
    Subjects.histBars.build(),
    (r) => r.query.broker,
    async (req) => {
      if (abort.signal.aborted) throw new HistoryStoppedError();
      const prepared = await bars.prepare(req.query);
      return streamed(req.requestId, async (out) => {
        const missing = await bars.fill(prepared, req.query, req.requestId, out, abort.signal);
        if (abort.signal.aborted) throw new HistoryStoppedError();
        await bars.stream(prepared, out, req.encoding ?? 'objects');
        observer.served(out.barsPublished);
        out.end(missing);
      });
    },
  );

  serve<HistExportRequest, HistExportReply>(
    Subjects.histExport.build(),
    (r) => r.export.query.broker,
    async (req) => {
      if (abort.signal.aborted) throw new HistoryStoppedError();
      if (req.export.what === 'bars') {
        const q = req.export.query;
        const prepared = await bars.prepare(q);
        return streamed(req.requestId, async (out) => {
          const missing = await bars.fill(prepared, q, req.requestId, out, abort.signal);
          if (abort.signal.aborted) throw new HistoryStoppedError();
          await runExport({ db, bars, prepared }, req.export, out);
          out.end(missing);
        });
      }
      return streamed(req.requestId, async (out) => {
        await runExport({ db, bars, prepared: undefined }, req.export, out);
        out.end([]);
      });
    },
  );

  serve<HistOrdersRequest, HistOrdersReply>(
    Subjects.histOrders.build(),
    (r) => r.query.broker,
    async (req) => ({ v: 1, ok: true, ...(await queryOrders(db, req.query)) }),
  );
  serve<HistTradesRequest, HistTradesReply>(
    Subjects.histTrades.build(),
    (r) => r.query.broker,
    async (req) => ({ v: 1, ok: true, ...(await queryTrades(db, req.query)) }),
  );

  const live = config.liveBars
    ? startLiveBars({ bus: deps.bus, store, log, queue, mine, brokers: brokerHistory })
    : undefined;
  if (live !== undefined) subs.push(live.subscription);

  log.info({ schema: config.schema, brokers: config.brokers ?? 'all', liveBars: config.liveBars }, 'history started');
  return {
    readModel,
    liveBars: live?.stats ?? { stored: 0, known: 0, skipped: 0 },
    running: () => tasks.size,
    async stop() {
      abort.abort();
      for (const s of subs) s.unsubscribe();
      await readModel.stop();
      await Promise.all([...tasks]);
      log.info('history stopped');
    },
  };
}
