/**
 * One hosted broker: its connection plus every capability, and the `broker.<name>.cmd.*` handlers that expose
 * them. Handlers parse (the bus already validated the body), call the capability, and turn typed errors into
 * `{ ok: false, code }` replies; nothing here knows IB details.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type AccountPositionsRequest,
  type AccountSummaryRequest,
  type BrokerCancelOrderRequest,
  type BrokerCapabilities,
  type BrokerCommandVerb,
  type BrokerInfo,
  type BrokerMdSnapshotRequest,
  type BrokerMdSubscribeRequest,
  type BrokerMdUnsubscribeRequest,
  type BrokerModifyOrderRequest,
  type BrokerPlaceOrderRequest,
  ContractError,
  type ErrorReply,
  type FetchHistoryRequest,
  type HistoryForecastRequest,
  type IbConnectionConfig,
  type OptionChainRequest,
  type QualifyContractRequest,
  type ReconcileRequest,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { Accounts } from './accounts.js';
import { type CapabilitySettings, ibCapabilities } from './capabilities.js';
import { BrokerConnection, type ConnectionOptions } from './connection.js';
import { ContractCache } from './contract-cache.js';
import { IB_PACING_RULES, type PacingRules } from './history-pacing.js';
import { HistoryQueue } from './history-queue.js';
import type { HistoryScheduler } from './history-scheduler.js';
import { MarketData, type MarketDataOptions } from './market-data.js';
import { OpenOrderRounds } from './open-orders.js';
import { OptionChainCache } from './option-chains.js';
import { busOrderIdStore, OrderIdAllocator } from './order-ids.js';
import { Orders } from './orders.js';
import { Reconciliation } from './reconciliation.js';

export interface BrokerOptions {
  readonly connection?: ConnectionOptions;
  readonly marketData?: MarketDataOptions;
  readonly historyPacing?: Partial<PacingRules>;
  readonly contractTimeoutMs?: number;
  /**
   * Longest an order message (place, modify, cancel) may wait in the outbound governor, ms (default 2 000). Beyond
   * it the command is refused unsent with BROKER_BUSY; keep it well below the OMS's broker command timeout, so
   * the OMS always hears "sent" or "not sent" instead of a timeout.
   */
  readonly orderQueueBudgetMs?: number;
  /** Order ids reserved per durable high-water mark write (default 1 000). */
  readonly orderIdBlockSize?: number;
  /** Narrows what every connection announces and takes (capabilities.ts); absent = IB's. */
  readonly capabilities?: CapabilitySettings;
}

export const DEFAULT_ORDER_QUEUE_BUDGET_MS = 2_000;

export class HostedBroker {
  readonly conn: BrokerConnection;
  readonly contracts: ContractCache;
  readonly optionChains: OptionChainCache;
  readonly marketData: MarketData;
  readonly history: HistoryQueue;
  readonly orders: Orders;
  readonly accounts: Accounts;
  readonly reconciliation: Reconciliation;
  readonly openOrders: OpenOrderRounds;
  readonly orderIds: OrderIdAllocator;
  /** What this connection announces in its status and takes (it refuses the rest). */
  readonly capabilities: BrokerCapabilities;
  /** New for every HostedBroker (gateway start, or the broker added again): BrokerStatus.instanceId. */
  readonly instanceId = randomUUID();
  private readonly subs: Subscription[] = [];

  constructor(
    readonly name: string,
    readonly config: IbConnectionConfig,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly gatewayType: string,
    options: BrokerOptions = {},
    /** The historical-data scheduler of this connection's IB login, shared with other connections to it. */
    historyScheduler?: HistoryScheduler,
  ) {
    this.capabilities = ibCapabilities(config.marketDataLines, options.capabilities, {
      ...IB_PACING_RULES,
      ...options.historyPacing,
    });
    this.orderIds = new OrderIdAllocator(
      busOrderIdStore(bus, name, config.clientId, this.instanceId),
      options.orderIdBlockSize,
    );
    this.conn = new BrokerConnection(
      name,
      config,
      bus,
      log.child({ component: 'connection' }),
      { instanceId: this.instanceId, orderIds: this.orderIds, capabilities: this.capabilities },
      { gatewayType, ...options.connection },
    );
    this.openOrders = new OpenOrderRounds(this.conn);
    this.contracts = new ContractCache(
      this.conn,
      log.child({ component: 'contracts' }),
      options.contractTimeoutMs === undefined ? {} : { timeoutMs: options.contractTimeoutMs },
    );
    this.optionChains = new OptionChainCache(
      this.conn,
      this.contracts,
      log.child({ component: 'option-chains' }),
      options.contractTimeoutMs === undefined ? {} : { timeoutMs: options.contractTimeoutMs },
    );
    this.marketData = new MarketData(
      this.conn,
      this.contracts,
      bus,
      log.child({ component: 'market-data' }),
      options.marketData,
    );
    this.orders = new Orders(this.conn, this.contracts, bus, log.child({ component: 'orders' }), {
      instanceId: this.instanceId,
      queueBudgetMs: options.orderQueueBudgetMs ?? DEFAULT_ORDER_QUEUE_BUDGET_MS,
      openOrders: this.openOrders,
      capabilities: this.capabilities,
    });
    this.accounts = new Accounts(this.conn, bus, log.child({ component: 'accounts' }));
    this.reconciliation = new Reconciliation(
      this.conn,
      this.orders,
      this.openOrders,
      this.accounts,
      bus,
      log.child({ component: 'reconciliation' }),
    );
    this.history = new HistoryQueue(
      this.conn,
      this.contracts,
      log.child({ component: 'history' }),
      options.historyPacing,
      historyScheduler,
    );
  }

  start(): void {
    this.serve('status', async () => ({ v: 1, ok: true, status: this.conn.status() }));
    this.serve('qualifyContract', async (req: QualifyContractRequest) => ({
      v: 1,
      ok: true,
      instruments: [...(await this.contracts.qualify(req.instrument, req.allowMany))],
    }));
    this.serve('optionChain', async (req: OptionChainRequest) => ({
      v: 1,
      ok: true,
      chain: await this.optionChains.chain(req),
    }));
    this.serve('mdSubscribe', async (req: BrokerMdSubscribeRequest) => ({
      v: 1,
      ok: true,
      ...(await this.marketData.subscribe(req)),
      // the subscriber asks again when this instance is gone (the broker removed and added, a restart)
      instanceId: this.instanceId,
    }));
    this.serve('mdUnsubscribe', async (req: BrokerMdUnsubscribeRequest) => {
      this.marketData.unsubscribe(req);
      return { v: 1, ok: true };
    });
    this.serve('mdSnapshot', async (req: BrokerMdSnapshotRequest) => ({
      v: 1,
      ok: true,
      tick: await this.marketData.snapshot(req),
    }));
    this.serve('fetchHistory', async (req: FetchHistoryRequest) => {
      const r = await this.history.fetch(req);
      return { v: 1, ok: true, requestId: req.requestId, ...r };
    });
    this.serve('historyForecast', async (req: HistoryForecastRequest) => {
      const f = this.history.forecast(req.requestIdPrefix, req.more);
      return {
        v: 1,
        ok: true,
        nowMs: f.nowMs,
        answerMs: f.answerMs,
        queued: f.queued,
        open: f.open,
        waiting: f.waiting.map((w) => (w.sendAtMs === undefined ? { requestId: w.requestId } : w)),
        ...(f.more === undefined ? {} : { more: f.more }),
      };
    });
    this.serve('placeOrder', async (req: BrokerPlaceOrderRequest) => ({
      v: 1,
      ok: true,
      clientOrderId: req.clientOrderId,
      ...(await this.orders.place(req)),
    }));
    this.serve('modifyOrder', async (req: BrokerModifyOrderRequest) => ({
      v: 1,
      ok: true,
      clientOrderId: req.clientOrderId,
      ...(await this.orders.modify(req)),
    }));
    this.serve('cancelOrder', async (req: BrokerCancelOrderRequest) => ({
      v: 1,
      ok: true,
      clientOrderId: req.clientOrderId,
      ...(await this.orders.cancel(req)),
    }));
    this.serve('cancelAll', async () => {
      this.orders.cancelAll();
      return { v: 1, ok: true };
    });
    this.serve('reconcile', async (req: ReconcileRequest) => ({
      v: 1,
      ok: true,
      instanceId: this.instanceId,
      ...(await this.reconciliation.reconcile(req.reconId, req.executionsSinceMs)),
    }));
    this.serve('positions', async (req: AccountPositionsRequest) => ({
      v: 1,
      ok: true,
      positions: await this.accounts.currentPositions(req.account),
    }));
    this.serve('accountSummary', async (req: AccountSummaryRequest) => ({
      v: 1,
      ok: true,
      accounts: await this.accounts.summary(req.account),
    }));
    this.serveSubject(Subjects.accountPositions.build({ broker: this.name }), async (req: AccountPositionsRequest) => ({
      v: 1,
      ok: true,
      positions: await this.accounts.currentPositions(req.account),
      tsInitMs: Date.now(),
    }));
    this.serveSubject(Subjects.accountSummary.build({ broker: this.name }), async (req: AccountSummaryRequest) => ({
      v: 1,
      ok: true,
      accounts: await this.accounts.summary(req.account),
      tsInitMs: Date.now(),
    }));
    // The order id mark is read before the first order needs it (a failure is retried by that order).
    void this.orderIds.preload();
    this.conn.start();
  }

  info(): BrokerInfo {
    return {
      name: this.name,
      gatewayType: this.gatewayType,
      endpoint: `${this.config.host}:${this.config.port}`,
      paper: this.config.paper,
      state: this.conn.status().state,
      accounts: [...this.conn.managedAccounts],
      capabilities: this.capabilities,
      details: this.conn.details(),
    };
  }

  async stop(): Promise<void> {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.history.stop();
    this.marketData.stop();
    await this.conn.stop();
  }

  private serve<Req>(verb: BrokerCommandVerb, handler: (req: Req) => Promise<unknown>): void {
    this.serveSubject(Subjects.brokerCommand.build({ broker: this.name, verb }), handler);
  }

  private serveSubject<Req>(subject: string, handler: (req: Req) => Promise<unknown>): void {
    this.subs.push(
      this.bus.serve<Req>(subject, async (req) => {
        try {
          return await handler(req);
        } catch (err) {
          return toErrorReply(err, this.log, subject);
        }
      }),
    );
  }
}

export function toErrorReply(err: unknown, log: Logger, subject: string): ErrorReply {
  if (err instanceof ContractError) return err.toReply();
  log.error({ err, subject }, 'command failed');
  return { v: 1, ok: false, code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}
