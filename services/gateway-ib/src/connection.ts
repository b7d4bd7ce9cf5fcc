/**
 * One named broker connection: one IB API session with a FIXED clientId (IB ties orders to it), reconnected
 * with exponential backoff, its health kept as data (`BrokerStatus`) and published on `broker.<name>.status`
 * on every change and every `statusEveryMs`. Owns the outbound governor and the reqId space of the session,
 * and routes every per-request callback to the sink registered for that reqId.
 *
 * Capabilities (market data, contracts, history) subscribe to session transitions:
 * - `ready(kind)`: the session is usable; kind `first` or `reconnect`.
 * - `dataLost()`: IB says live subscriptions are gone (1101, reconnect, market farm back after broken).
 * - `down()`: the socket is gone; in-flight requests will never be answered.
 */
import type { ContractDetails } from '@stoqey/ib';
import type { Bus } from '@trading-system/bus';
import {
  type BrokerCapabilities,
  type BrokerNotice,
  type BrokerStatus,
  ContractError,
  type FeedStatus,
  type IbBrokerDetails,
  type IbConnectionConfig,
  type NoticeKind,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { OutboundGovernor, type Priority, systemClock } from './governor.js';
import { classifyIbCode, type FarmKind, type IbCodeInfo } from './ib-error-classes.js';
import {
  createIbPort,
  type IbEvents,
  type IbOptionChainListing,
  type IbOptionComputation,
  type IbPort,
  type IbStreamEvents,
} from './ib-port.js';
import { IbWriteError } from './ib-writes.js';
import type { OrderIdAllocator } from './order-ids.js';
import { isPaperAccount } from './paper-guard.js';
import type { IbHistoricalBar } from './parsing/history.js';
import { streamRouter } from './stream-router.js';

/** Per-reqId callbacks; a capability registers one per request it sends. */
export interface RequestSink {
  tickPrice?(field: number, value: number): void;
  tickSize?(field: number, value: number | undefined): void;
  tickString?(field: number, value: string): void;
  marketDataType?(type: number): void;
  snapshotEnd?(): void;
  contractDetails?(details: ContractDetails): void;
  contractDetailsEnd?(): void;
  optionComputation?(c: IbOptionComputation): void;
  secDefOptParams?(listing: IbOptionChainListing): void;
  secDefOptParamsEnd?(): void;
  historicalBar?(bar: IbHistoricalBar): void;
  historicalEnd?(marker: string): void;
  realtimeBar?(
    timeSec: number,
    ohlc: readonly [number, number, number, number],
    volume: number,
    wap: number,
    count: number,
  ): void;
  /** An IB error/notice for this reqId, already classified. */
  code?(code: number, message: string, info: IbCodeInfo): void;
}

export interface SessionListener {
  ready?(kind: 'first' | 'reconnect'): void;
  /**
   * Live market data must be re-requested. `sameSession`: the socket is the same, so IB may still hold some
   * old requests (a farm came back, or a request queued before a 1101 reached IB after it): cancel them first.
   * After a new socket the old request ids mean nothing.
   */
  dataLost?(reason: string, sameSession: boolean): void;
  down?(): void;
}

export interface ConnectionOptions {
  /** First reconnect delay, ms (doubles up to maxBackoffMs). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Periodic status publish, ms. */
  readonly statusEveryMs?: number;
  readonly gatewayType?: string;
}

/** What the hosting broker gives its connection: who it is, and where its order ids come from. */
export interface ConnectionIdentity {
  /** New on every gateway start (BrokerStatus.instanceId). */
  readonly instanceId: string;
  readonly orderIds: OrderIdAllocator;
  /** Announced in every status (BrokerStatus.capabilities). */
  readonly capabilities: BrokerCapabilities;
}

/** A call queued in the governor; `drop()` withdraws it if it has not gone out yet. */
export interface QueuedCall {
  readonly sent: boolean;
  /** True when the call was withdrawn before sending (then no cancel needs to follow). */
  drop(): boolean;
}

/** IB's farm kinds as the neutral feed kinds of the status. */
const FEED_KIND: Readonly<Record<FarmKind, FeedStatus['kind']>> = {
  market: 'market',
  hmds: 'history',
  secdef: 'reference',
};

export type SessionPhase = 'connecting' | 'ready' | 'down' | 'stopped';

/** Receives every IB code whose id is an order id (below the reqId space), whether or not a sink is registered. */
export type OrderCodeHandler = (orderId: number, code: number, message: string, info: IbCodeInfo) => void;

/** Request ids start here; IB order ids stay below (IB reports errors for both under one "id"). */
export const FIRST_REQ_ID = 1_000_000_000;

export class BrokerConnection {
  readonly name: string;
  readonly config: IbConnectionConfig;
  readonly governor: OutboundGovernor;
  private readonly port: IbPort;
  private readonly sinks = new Map<number, RequestSink>();
  private readonly listeners: SessionListener[] = [];
  private readonly streamListeners: Array<Partial<IbStreamEvents>> = [];
  /** IB's data farms, as the status's feeds (market, hmds → history, secdef → reference). */
  private readonly farms = new Map<string, FeedStatus>();
  // Far above IB order ids: IB reports errors for both under one "id", so the two spaces must not overlap.
  private nextReqId = FIRST_REQ_ID;
  private orderCodes: OrderCodeHandler | undefined;
  private phase: SessionPhase = 'down';
  private ibLinkLost = false;
  private notice: BrokerNotice | undefined;
  private lastMessageMs: number | undefined;
  private accounts: readonly string[] = [];
  private everReady = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private statusScheduled = false;
  private refused: string | undefined;
  /** BrokerStatus.instanceId of the hosting gateway instance. */
  readonly instanceId: string;
  readonly capabilities: BrokerCapabilities;
  private readonly orderIds: OrderIdAllocator;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly gatewayType: string;
  /** Connections made (first + reconnects); tests and status use it. */
  sessions = 0;
  /** IB error 100 (message rate exceeded) seen: must stay 0, the governor exists to prevent it. */
  rateViolations = 0;

  constructor(
    name: string,
    config: IbConnectionConfig,
    private readonly bus: Bus,
    private readonly log: Logger,
    identity: ConnectionIdentity,
    options: ConnectionOptions = {},
  ) {
    this.name = name;
    this.config = config;
    this.instanceId = identity.instanceId;
    this.orderIds = identity.orderIds;
    this.capabilities = identity.capabilities;
    this.minBackoffMs = options.minBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.gatewayType = options.gatewayType ?? 'ib';
    this.governor = new OutboundGovernor({ perSecond: config.maxMessagesPerSecond }, systemClock, (err) =>
      this.log.error({ err }, 'sending to IB failed'),
    );
    this.port = createIbPort({ host: config.host, port: config.port, clientId: config.clientId }, this.events());
    this.statusTimer = setInterval(() => this.publishStatus(), options.statusEveryMs ?? 5_000);
    this.statusTimer.unref();
  }

  get isReady(): boolean {
    return this.phase === 'ready';
  }

  get managedAccounts(): readonly string[] {
    return this.accounts;
  }

  on(listener: SessionListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Order / account callbacks (every listener sees every callback; filter by reqId where there is one). */
  onStream(listener: Partial<IbStreamEvents>): () => void {
    this.streamListeners.push(listener);
    return () => {
      const i = this.streamListeners.indexOf(listener);
      if (i >= 0) this.streamListeners.splice(i, 1);
    };
  }

  /** Raises the next order id above one IB reported in use (openOrder, orderStatus, executions). */
  noteOrderIdSeen(orderId: number): void {
    this.orderIds.raiseTo(orderId + 1);
  }

  start(): void {
    this.connect();
  }

  async stop(): Promise<void> {
    this.phase = 'stopped';
    clearTimeout(this.reconnectTimer);
    clearInterval(this.statusTimer);
    this.governor.stop();
    this.port.disconnect();
    this.notify((l) => l.down?.());
    this.sinks.clear();
    this.publishStatus();
  }

  /** The one handler of IB codes for order ids (orders.ts: rejections of places, modifies and cancels). */
  onOrderCode(handler: OrderCodeHandler): void {
    this.orderCodes = handler;
  }

  /** A fresh request id, never reused within the process (IB requires unique ids per session). */
  allocReqId(): number {
    return this.nextReqId++;
  }

  register(reqId: number, sink: RequestSink): void {
    this.sinks.set(reqId, sink);
  }

  unregister(reqId: number): void {
    this.sinks.delete(reqId);
  }

  /**
   * Queues one outbound IB call in the governor. Throws BROKER_DISCONNECTED when the session is not usable, so
   * callers never wait on a request that was never sent.
   */
  send(priority: Priority, what: string, call: (port: IbPort) => void): QueuedCall {
    this.requireReady();
    let sent = false;
    let dropped = false;
    this.governor.submit(priority, () => {
      if (dropped) return;
      if (this.phase !== 'ready') {
        this.log.debug({ what }, 'dropping queued IB call: session not ready');
        return;
      }
      sent = true;
      call(this.port);
    });
    return {
      get sent() {
        return sent;
      },
      drop() {
        if (sent) return false;
        dropped = true;
        return true;
      },
    };
  }

  /**
   * Queues one order message (placeOrder for a new order or a modification, cancelOrder) and resolves once
   * @stoqey/ib has written it to the socket. Every failure means nothing was sent: BROKER_BUSY at once when the
   * messages ahead cannot drain within `budgetMs` (details.retryAfterMs), or when its turn did not come within
   * `budgetMs` after all (cancels jumped ahead); BROKER_DISCONNECTED when the session went down first;
   * ORDER_REJECTED when the library refused to encode it (details.brokerCode).
   */
  writeOrderMessage(
    priority: 'order' | 'cancel',
    what: string,
    budgetMs: number,
    call: (port: IbPort) => Promise<void>,
  ): Promise<void> {
    this.requireReady();
    try {
      this.admit(priority, what, budgetMs);
    } catch (err) {
      return Promise.reject(err);
    }
    const started = Date.now();
    return new Promise<void>((resolve, reject) => {
      const notSent = (err: unknown): void => {
        if (err instanceof IbWriteError && err.code !== undefined) {
          reject(
            new ContractError('ORDER_REJECTED', `${what} refused before sending: ${err.message}`, {
              cause: err,
              details: { brokerCode: err.code },
            }),
          );
          return;
        }
        reject(
          new ContractError('BROKER_DISCONNECTED', `${what} not sent: ${this.name} session ended`, { cause: err }),
        );
      };
      this.governor.submit(
        priority,
        () => {
          if (this.phase !== 'ready') {
            notSent(undefined);
            return;
          }
          try {
            call(this.port).then(resolve, notSent);
          } catch (err) {
            notSent(err);
          }
        },
        {
          deadlineMs: started + budgetMs,
          onDrop: (reason) =>
            reason === 'deadline'
              ? reject(this.busy(what, this.governor.estimateWaitMs(priority), budgetMs))
              : notSent(undefined),
        },
      );
    });
  }

  /**
   * Throws BROKER_BUSY when an order message submitted now could not be written within `budgetMs`. A tenth of
   * the budget is held back for timer drift: what is admitted goes out in time, what is not is refused at once.
   */
  admit(priority: 'order' | 'cancel', what: string, budgetMs: number): void {
    const waitMs = this.governor.estimateWaitMs(priority);
    if (waitMs > budgetMs * 0.9) throw this.busy(what, waitMs, budgetMs * 0.9);
  }

  private busy(what: string, waitMs: number, budgetMs: number): ContractError {
    const retryAfterMs = Math.max(100, Math.ceil(waitMs - budgetMs));
    return new ContractError(
      'BROKER_BUSY',
      `${what} not sent: ${this.name}'s outbound queue needs ~${Math.ceil(waitMs)} ms, budget ${budgetMs} ms`,
      { details: { retryAfterMs, queued: this.governor.queued } },
    );
  }

  requireReady(): void {
    if (this.phase !== 'ready') {
      throw new ContractError('BROKER_DISCONNECTED', `broker ${this.name} is not connected (${this.phase})`);
    }
  }

  /** Next IB order id for this clientId: above any IB reported, and never handed out before (order-ids.ts). */
  takeOrderId(): Promise<number> {
    return this.orderIds.take();
  }

  status(): BrokerStatus {
    const now = Date.now();
    const s: BrokerStatus = {
      v: 1,
      broker: this.name,
      gatewayType: this.gatewayType,
      state: this.state(),
      feeds: [...this.farms.values()],
      accounts: [...this.accounts],
      paper: this.config.paper,
      tsMs: now,
      instanceId: this.instanceId,
      session: this.sessions,
      capabilities: this.capabilities,
    };
    if (this.notice !== undefined) s.notice = this.notice;
    if (this.lastMessageMs !== undefined) s.lastMessageAgeMs = Math.max(0, now - this.lastMessageMs);
    s.details = this.details();
    return s;
  }

  /** What only an IB connection says about itself (contracts brokers/ib.ts): its clientId and TWS's version. */
  details(): IbBrokerDetails {
    const sv = this.port.serverVersion;
    return { type: 'ib', clientId: this.config.clientId, ...(sv > 0 ? { serverVersion: sv } : {}) };
  }

  /** The session's state as its status says it (connected, degraded, disconnected). */
  get connectionState(): BrokerStatus['state'] {
    return this.state();
  }

  private state(): BrokerStatus['state'] {
    if (this.phase !== 'ready') return 'disconnected';
    if (this.ibLinkLost) return 'degraded';
    for (const f of this.farms.values()) if (f.state === 'broken') return 'degraded';
    return 'connected';
  }

  private connect(): void {
    if (this.phase === 'stopped') return;
    this.phase = 'connecting';
    this.attempts++;
    this.log.info({ host: this.config.host, port: this.config.port, clientId: this.config.clientId }, 'connecting');
    // @stoqey/ib sends START_API itself on connect: TWS counts it, so the window must too.
    this.governor.noteUnpaced();
    this.port.connect();
  }

  private scheduleReconnect(): void {
    if (this.phase === 'stopped' || this.refused !== undefined || this.reconnectTimer !== undefined) return;
    const delay = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.max(0, this.attempts - 1));
    this.log.info({ delayMs: delay, attempt: this.attempts }, 'reconnecting after backoff');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private goDown(reason: string): void {
    if (this.phase === 'stopped') return;
    const wasReady = this.phase === 'ready';
    this.phase = 'down';
    this.governor.clear();
    this.port.disconnect();
    if (wasReady) {
      this.log.warn({ reason }, 'IB session down');
      this.notify((l) => l.down?.());
    }
    this.scheduleStatus();
    this.scheduleReconnect();
  }

  private becomeReady(orderId: number): void {
    this.orderIds.raiseTo(orderId);
    if (this.phase === 'ready') return; // later nextValidId answers (reqIds) only move the order id
    const paperViolation = this.config.paper && this.accounts.some((a) => !isPaperAccount(a));
    if (paperViolation) {
      this.refused = `declared paper but the session manages live accounts (${this.accounts.join(',')}): refusing`;
      this.notice = { kind: 'refused', code: 'paper-guard', message: this.refused, atMs: Date.now() };
      this.log.error({ accounts: this.accounts }, this.refused);
      this.goDown(this.refused);
      return;
    }
    this.phase = 'ready';
    this.attempts = 0;
    this.sessions++;
    this.ibLinkLost = false;
    const kind = this.everReady ? 'reconnect' : 'first';
    this.everReady = true;
    this.log.info({ kind, serverVersion: this.port.serverVersion, accounts: this.accounts }, 'IB session ready');
    const mdType = { live: 1, frozen: 2, delayed: 3, delayedFrozen: 4 } as const;
    this.send('data', 'reqMarketDataType', (p) => p.reqMarketDataType(mdType[this.config.marketDataType]));
    this.scheduleStatus();
    this.notify((l) => l.ready?.(kind));
    if (kind === 'reconnect') this.notify((l) => l.dataLost?.('reconnect', false));
  }

  private onCode(code: number, reqId: number, message: string): void {
    const info = classifyIbCode(code, reqId);
    const sink = reqId >= 0 ? this.sinks.get(reqId) : undefined;
    if (sink?.code !== undefined) {
      sink.code(code, message, info);
      if (info.cls === 'request-failed' || info.cls === 'warning' || info.cls === 'order-rejected') return;
    } else if (reqId > 0 && reqId < FIRST_REQ_ID && this.orderCodes !== undefined) {
      this.orderCodes(reqId, code, message, info);
      if (info.cls === 'request-failed' || info.cls === 'warning' || info.cls === 'order-rejected') return;
    }
    switch (info.cls) {
      case 'connectivity-lost':
        this.ibLinkLost = true;
        this.noteCode(code, message, 'connectivity-lost');
        this.log.warn({ code, message }, 'IB connectivity lost');
        return;
      case 'restored-data-lost':
        this.ibLinkLost = false;
        this.noteCode(code, message, 'restored-data-lost');
        this.log.warn({ code, message }, 'IB connectivity restored, data lost: resubscribing');
        this.notify((l) => l.dataLost?.(`IB ${code}`, true));
        return;
      case 'restored-data-kept':
        this.ibLinkLost = false;
        this.noteCode(code, message, 'restored');
        this.log.info({ code, message }, 'IB connectivity restored, data kept');
        return;
      case 'farm-broken':
      case 'farm-ok':
        this.onFarm(code, message, info);
        return;
      case 'fatal':
        // 502: nothing accepts connections at host:port (before any session): say what to start there.
        this.noteCode(code, message, code === 502 ? 'unreachable' : 'other');
        // Nothing at the address is a condition of the environment, said in the status with what to start (and
        // retried): a warning. Anything else fatal is the session refusing us: an error.
        if (code === 502) this.log.warn({ code, message }, 'IB unreachable: nothing accepts connections there');
        else this.log.error({ code, message, reqId }, 'IB session unusable');
        if (this.phase !== 'ready' && this.phase !== 'stopped' && code !== 502) return;
        this.goDown(`IB ${code}: ${message}`);
        return;
      case 'warning':
        if (code === 100) this.rateViolations++;
        if (code === 100) this.log.error({ code, message }, 'IB message rate exceeded despite the governor');
        else this.log.debug({ code, reqId, message }, 'IB notice');
        return;
      default:
        // 300 "can't find id" answers a cancel of a request IB had already dropped (after 1101): expected.
        if (sink === undefined && code !== 300) {
          this.log.warn({ code, reqId, message, cls: info.cls }, 'IB error for unknown request');
        }
    }
  }

  private onFarm(code: number, message: string, info: IbCodeInfo): void {
    const kind = info.farm ?? 'market';
    const name = /:\s*([A-Za-z0-9._-]+)\s*$/.exec(message)?.[1] ?? kind;
    const state: FeedStatus['state'] = info.cls === 'farm-broken' ? 'broken' : info.inactive ? 'inactive' : 'ok';
    const prev = this.farms.get(name);
    if (prev?.state === state) return;
    this.farms.set(name, { name, kind: FEED_KIND[kind], state, sinceMs: Date.now() });
    this.scheduleStatus();
    this.log.info({ farm: name, kind, state, code }, 'farm state');
    if (state === 'ok' && prev?.state === 'broken' && kind === 'market') {
      this.notify((l) => l.dataLost?.(`farm ${name} back`, true));
    }
  }

  private noteCode(code: number, message: string, kind: NoticeKind): void {
    this.notice = {
      kind,
      code: String(code),
      message,
      atMs: Date.now(),
      ...(kind === 'unreachable' ? { hint: this.unreachableHint() } : {}),
    };
    this.scheduleStatus();
  }

  private unreachableHint(): string {
    const at = `${this.config.host}:${this.config.port}`;
    return `start TWS or IB Gateway at ${at} with the API enabled and clientId ${this.config.clientId} free, or ib-sim there (npm run sim)`;
  }

  private notify(fn: (l: SessionListener) => void): void {
    for (const l of this.listeners) {
      try {
        fn(l);
      } catch (err) {
        this.log.error({ err }, 'session listener failed');
      }
    }
  }

  private scheduleStatus(): void {
    if (this.statusScheduled) return;
    this.statusScheduled = true;
    queueMicrotask(() => {
      this.statusScheduled = false;
      this.publishStatus();
    });
  }

  private publishStatus(): void {
    try {
      this.bus.publish(Subjects.brokerStatus.build({ broker: this.name }), this.status());
    } catch (err) {
      this.log.warn({ err }, 'publishing broker status failed');
    }
  }

  private events(): IbEvents {
    const seen = (): void => {
      this.lastMessageMs = Date.now();
    };
    const sink = (reqId: number): RequestSink | undefined => {
      this.lastMessageMs = Date.now();
      return this.sinks.get(reqId);
    };
    return {
      onConnected: seen,
      onDisconnected: () => this.goDown('socket closed'),
      onNextValidId: (id) => {
        seen();
        this.becomeReady(id);
      },
      onManagedAccounts: (accounts) => {
        seen();
        this.accounts = accounts;
      },
      onCode: (code, reqId, message) => {
        seen();
        this.onCode(code, reqId, message);
      },
      onTickPrice: (reqId, field, value) => sink(reqId)?.tickPrice?.(field, value),
      onTickSize: (reqId, field, value) => sink(reqId)?.tickSize?.(field, value),
      onTickString: (reqId, field, value) => sink(reqId)?.tickString?.(field, value),
      onMarketDataType: (reqId, type) => sink(reqId)?.marketDataType?.(type),
      onTickSnapshotEnd: (reqId) => sink(reqId)?.snapshotEnd?.(),
      onContractDetails: (reqId, cd) => sink(reqId)?.contractDetails?.(cd),
      onContractDetailsEnd: (reqId) => sink(reqId)?.contractDetailsEnd?.(),
      onOptionComputation: (reqId, c) => sink(reqId)?.optionComputation?.(c),
      onSecDefOptParams: (reqId, listing) => sink(reqId)?.secDefOptParams?.(listing),
      onSecDefOptParamsEnd: (reqId) => sink(reqId)?.secDefOptParamsEnd?.(),
      onHistoricalBar: (reqId, bar) => sink(reqId)?.historicalBar?.(bar),
      onHistoricalEnd: (reqId, marker) => sink(reqId)?.historicalEnd?.(marker),
      onRealtimeBar: (reqId, t, ohlc, v, wap, count) => sink(reqId)?.realtimeBar?.(t, ohlc, v, wap, count),
      stream: streamRouter(this.streamListeners, seen, (err, event) =>
        this.log.error({ err, event }, 'IB callback handler failed'),
      ),
    };
  }
}
