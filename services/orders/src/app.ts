/**
 * The OMS as a component: `start(deps) → { stop }`. Migrates its schema, makes sure its streams exist, settles
 * what a crash left in flight (orders still `accepted` become `unresolved`), then serves the orders.* subjects,
 * consumes each configured broker's events and reconciles each broker on start, on every (re)connect, on every
 * gateway restart and periodically while an order awaits the broker (reconcile-scheduler.ts).
 * The caller owns bus and database and closes them after `stop()`.
 */
import { type Bus, type Consumer, type Subscription, toStreamConfig } from '@trading-system/bus';
import {
  type BrokerStatus,
  type CancelAllOrders,
  type CancelOrder,
  type GetOrderRequest,
  type ListOrdersRequest,
  type ModifyOrder,
  type OrdersPositionsRequest,
  type RiskLimitsRequest,
  Subjects,
  type SubmitOrder,
  type Tick,
  type TradingStateRequest,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import { BrokerClient } from './broker-client.js';
import { startBrokerEventConsumer } from './broker-events.js';
import { BrokerRoutes } from './broker-routes.js';
import type { OmsContext, OrdersConfig } from './context.js';
import type { OrdersDb } from './db-types.js';
import { DeferredFlush } from './deferred-flush.js';
import { handleSubmit } from './intake.js';
import { appendEvent, lockOrder, patchOrder, toOrderView } from './ledger.js';
import { LiveState } from './live-state.js';
import { migrations } from './migrations/index.js';
import { handleCancel, handleCancelAll, handleModify, releaseUnansweredCommands } from './order-commands.js';
import { foldUnviewedOrders } from './order-views.js';
import { type OutboxRelay, startOutboxRelay } from './outbox-relay.js';
import { handleGet, handleList, handlePositions } from './queries.js';
import { ReconcileScheduler } from './reconcile-scheduler.js';
import { reconcileSnapshot } from './reconciliation.js';
import { handleRiskLimits, handleTradingState, loadSettings } from './settings.js';

export interface OrdersDeps {
  readonly bus: Bus;
  /** Database handle (unscoped); the app works inside `config.schema`. */
  readonly db: Kysely<OrdersDb>;
  readonly logger: Logger;
  readonly config: OrdersConfig;
  /** Epoch ms; defaults to Date.now. */
  readonly clock?: () => number;
  /** Called once, right before the request subjects are served (the database-wait stand-in hands over). */
  readonly beforeServe?: () => void;
}

export interface RunningOrders {
  /** The outbox relay (tests flush it to wait for publication). */
  readonly relay: OutboxRelay;
  stop(): Promise<void>;
}

export async function start(deps: OrdersDeps): Promise<RunningOrders> {
  const { bus, logger, config } = deps;
  const clock = deps.clock ?? Date.now;
  const log = logger.child({ component: 'orders' });
  await migrateToLatest(deps.db, { schema: config.schema, migrations });
  const db = deps.db.withSchema(config.schema);
  await bus.jetstream.ensureStream(toStreamConfig(config.ordersStream));
  await bus.jetstream.ensureStream(toStreamConfig(config.brokerEventsStream));

  const deferred = new DeferredFlush();
  const relay = startOutboxRelay({
    db,
    deferred,
    bus,
    logger: log.child({ component: 'outbox' }),
    pollMs: config.relayPollMs,
    paused: config.relayPaused === true,
  });
  const ctx: OmsContext = {
    db,
    bus,
    logger: log,
    clock,
    config,
    live: new LiveState(),
    brokers: new BrokerClient(bus, config.brokerTimeoutMs),
    routes: new BrokerRoutes(config.brokers, config.adoptBrokers === true),
    relay,
    deferred,
    settings: await loadSettings(db, config.initialRisk, clock()),
    inFlight: new Set(),
  };
  await foldUnviewedOrders(db, log);
  await settleInFlight(ctx);
  await releaseUnansweredCommands(ctx);
  relay.kick();

  const subs: Subscription[] = [];
  const consumers: Consumer[] = [];
  const scheduler = new ReconcileScheduler(ctx, () => ctx.routes.names());
  const reconcile = (broker: string, reason: string) => scheduler.now(broker, reason);
  let stopping = false;
  const consume = async (broker: string) => {
    const c = await startBrokerEventConsumer(ctx, broker, {
      onSnapshot: async (b, parts) => {
        await reconcileSnapshot(ctx, b, parts);
        scheduler.applied(b);
      },
    });
    if (stopping)
      await c.stop(); // adopted while the service was stopping
    else consumers.push(c);
  };
  /** A broker announced after start: its events consumed from now on (and back to the stream's start), then reconciled. */
  const adopt = (broker: string) => {
    log.info({ broker }, 'routing orders to a broker announced at run time');
    consume(broker).then(
      () => reconcile(broker, 'adopted'),
      (err: unknown) => log.error({ err, broker }, 'broker adopted, but its event consumer did not start'),
    );
  };
  ctx.routes.onAdopted = adopt;
  try {
    subs.push(bus.subscribe<Tick>(Subjects.mdTick.pattern, (m) => ctx.live.onTick(m.data)));
    subs.push(
      bus.subscribe<BrokerStatus>(Subjects.brokerStatus.pattern, (m) => {
        const change = ctx.live.onStatus(m.data);
        if (ctx.routes.adoptIfNew(m.data.broker) || !ctx.routes.has(m.data.broker)) return;
        if (change.restarted) reconcile(m.data.broker, 'gateway restarted');
        else if (change.connected) reconcile(m.data.broker, 'connected');
      }),
    );
    for (const b of config.brokers) await consume(b.name);
    deps.beforeServe?.();
    subs.push(
      bus.serve<SubmitOrder>(Subjects.ordersSubmit.build(), (req) => handleSubmit(ctx, req)),
      bus.serve<ModifyOrder>(Subjects.ordersModify.build(), (req) => handleModify(ctx, req)),
      bus.serve<CancelOrder>(Subjects.ordersCancel.build(), (req) => handleCancel(ctx, req)),
      bus.serve<CancelAllOrders>(Subjects.ordersCancelAll.build(), (req) => handleCancelAll(ctx, req)),
      bus.serve<GetOrderRequest>(Subjects.ordersGet.build(), (req) => handleGet(ctx, req)),
      bus.serve<ListOrdersRequest>(Subjects.ordersList.build(), (req) => handleList(ctx, req)),
      bus.serve<OrdersPositionsRequest>(Subjects.ordersPositions.build(), (req) => handlePositions(ctx, req)),
      bus.serve<TradingStateRequest>(Subjects.ordersTradingState.build(), (req) => handleTradingState(ctx, req)),
      bus.serve<RiskLimitsRequest>(Subjects.ordersRiskLimits.build(), (req) => handleRiskLimits(ctx, req)),
    );
  } catch (err) {
    for (const s of subs) s.unsubscribe();
    for (const c of consumers) await c.stop();
    await relay.stop();
    throw err;
  }
  // Started means answering: the server holds the orders.* subscriptions before a client can submit.
  await bus.flush();
  for (const b of config.brokers) reconcile(b.name, 'start');
  scheduler.start();
  log.info(
    { brokers: ctx.routes.names(), adoptBrokers: config.adoptBrokers === true, schema: config.schema },
    'orders service started',
  );

  return {
    relay,
    async stop() {
      stopping = true;
      scheduler.stop();
      for (const s of subs) s.unsubscribe();
      for (const c of consumers) await c.stop();
      await relay.stop();
      log.info('orders service stopped');
    },
  };
}

/**
 * Orders left `accepted` by a previous process may or may not have reached the broker: they become unresolved
 * (never resent, never guessed) until reconciliation settles them.
 */
async function settleInFlight(ctx: OmsContext): Promise<void> {
  const stuck = await ctx.db.selectFrom('orders').select('client_order_id').where('state', '=', 'accepted').execute();
  for (const { client_order_id } of stuck) {
    await ctx.db.transaction().execute(async (trx) => {
      const row = await lockOrder(trx, client_order_id);
      if (row === undefined || row.state !== 'accepted') return;
      const now = ctx.clock();
      const after = await appendEvent(
        trx,
        row,
        'unresolved',
        { reason: 'the OMS restarted while the order was being sent' },
        { nowMs: now, tsEventMs: now, patch: { state: 'unresolved' } },
      );
      const order = toOrderView(after);
      if (order !== undefined)
        await patchOrder(trx, client_order_id, { submit_reply: JSON.stringify({ v: 1, ok: true, order }) });
    });
    ctx.logger.warn({ clientOrderId: client_order_id }, 'in-flight order left unresolved after restart');
  }
}
