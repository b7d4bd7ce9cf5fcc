/**
 * One named broker connection: one IB API session with a FIXED clientId (IB ties orders to it), reconnected
 * with exponential backoff, its health kept as data (`BrokerStatus`) and published on `broker.<name>.status`
 * on every change and every `statusEveryMs` (its farms, notice and IB link in session-health.ts). Owns the outbound
 * governor and the reqId space of the session; ib-event-routing.ts routes every per-request callback to the sink
 * registered for its reqId.
 *
 * Capabilities (market data, contracts, history) subscribe to session transitions:
 * - `ready(kind)`: the session is usable; kind `first` or `reconnect`.
 * - `dataLost()`: IB says live subscriptions are gone (1101, reconnect, market farm back after broken).
 * - `down()`: the socket is gone; in-flight requests will never be answered.
 */
import type { Bus } from '@trading-system/bus';
import {
  type BrokerCapabilities,
  type BrokerStatus,
  ContractError,
  type IbBrokerDetails,
  type IbConnectionConfig,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { IbClock } from './broker-clock.js';
import { OutboundGovernor, orderAnswer, type Priority, reqAnswer, systemClock } from './governor.js';
import { classifyIbCode, type IbCodeInfo } from './ib-error-classes.js';
import { routeIbEvents, type SessionEvents } from './ib-event-routing.js';
import { createIbPort, type IbPort, type IbStreamEvents } from './ib-port.js';
import type { OrderIdAllocator } from './order-ids.js';
import { OrderWrites } from './order-writes.js';
import { isPaperAccount } from './paper-guard.js';
import { IB_MESSAGES_PER_SECOND } from './rate-window.js';
import type { RequestSink } from './request-sink.js';
import { SessionHealth } from './session-health.js';

export type { RequestSink } from './request-sink.js';

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
  /** Order messages with a time budget (order-writes.ts): placeOrder, cancelOrder. */
  readonly orderWrites: OrderWrites;
  private readonly sinks = new Map<number, RequestSink>();
  private readonly listeners: SessionListener[] = [];
  private readonly streamListeners: Array<Partial<IbStreamEvents>> = [];
  /** Farms, notice, IB's own link, last message: the status's health part (session-health.ts). */
  private readonly health: SessionHealth;
  // Far above IB order ids: IB reports errors for both under one "id", so the two spaces must not overlap.
  private nextReqId = FIRST_REQ_ID;
  private orderCodes: OrderCodeHandler | undefined;
  private phase: SessionPhase = 'down';
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
  /** IB's clock (BrokerStatus.brokerTimeMs). */
  private readonly brokerClock = new IbClock();
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
    this.governor = new OutboundGovernor(
      // The probe: reqCurrentTime, whose answer proves every message before it read (governor.ts).
      {
        perSecond: config.maxMessagesPerSecond,
        ceiling: IB_MESSAGES_PER_SECOND,
        probe: () => this.port.reqCurrentTime(),
      },
      systemClock,
      (err) => this.log.error({ err }, 'sending to IB failed'),
    );
    this.health = new SessionHealth(config, log, () => this.scheduleStatus());
    const events = routeIbEvents(this.sinks, this.streamListeners, this.sessionEvents(), () => this.health.seen(), log);
    this.port = createIbPort({ host: config.host, port: config.port, clientId: config.clientId }, events);
    this.orderWrites = new OrderWrites(this, this.port);
    // A new order's first answer proves its placeOrder read (its id was never used before: nothing else answers it)
    // — when it is about our clientId's order: another client's order (reqAllOpenOrders) may carry the same number.
    const ours = (clientId: number | undefined): boolean => clientId === config.clientId;
    this.onStream({
      onOpenOrder: (orderId, _contract, order) => {
        if (ours(order.clientId)) this.governor.answered(orderAnswer(orderId));
      },
      onOrderStatus: (s) => {
        if (ours(s.clientId)) this.governor.answered(orderAnswer(s.orderId));
      },
    });
    this.statusTimer = setInterval(() => {
      this.askBrokerTime();
      this.publishStatus();
    }, options.statusEveryMs ?? 5_000);
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
   * callers never wait on a request that was never sent. `messages`: how many IB messages `call` writes;
   * `answeredBy`: the fresh reqId its first answer names (the proof that IB read it; governor.ts).
   */
  send(priority: Priority, what: string, call: (port: IbPort) => void, messages = 1, answeredBy?: number): QueuedCall {
    this.requireReady();
    let sent = false;
    let dropped = false;
    this.governor.submit(
      priority,
      () => {
        if (dropped) return;
        if (this.phase !== 'ready') {
          this.log.debug({ what }, 'dropping queued IB call: session not ready');
          return;
        }
        sent = true;
        call(this.port);
      },
      answeredBy === undefined ? { messages } : { messages, answeredBy: reqAnswer(answeredBy) },
    );
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
      feeds: this.health.feeds(),
      accounts: [...this.accounts],
      paper: this.config.paper,
      tsMs: now,
      instanceId: this.instanceId,
      session: this.sessions,
      capabilities: this.capabilities,
    };
    const { notice, lastMessageMs } = this.health;
    if (notice !== undefined) s.notice = notice;
    if (lastMessageMs !== undefined) s.lastMessageAgeMs = Math.max(0, now - lastMessageMs);
    const brokerTimeMs = this.brokerClock.brokerTimeAt(now);
    if (brokerTimeMs !== undefined) s.brokerTimeMs = brokerTimeMs;
    s.details = this.details();
    return s;
  }

  /** IB's time now (reqCurrentTime's offset applied to ours), or ours until IB first answered. */
  brokerNowMs(): number {
    const now = Date.now();
    return this.brokerClock.brokerTimeAt(now) ?? now;
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
    return this.health.state(this.phase === 'ready');
  }

  private connect(): void {
    if (this.phase === 'stopped') return;
    this.phase = 'connecting';
    this.attempts++;
    this.log.info({ host: this.config.host, port: this.config.port, clientId: this.config.clientId }, 'connecting');
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
      this.health.notice = { kind: 'refused', code: 'paper-guard', message: this.refused, atMs: Date.now() };
      this.log.error({ accounts: this.accounts }, this.refused);
      this.goDown(this.refused);
      return;
    }
    // nextValidId answers START_API, the one message of the session so far: it is read.
    this.governor.sessionStarted();
    this.phase = 'ready';
    this.attempts = 0;
    this.sessions++;
    this.health.ibLinkLost = false;
    const kind = this.everReady ? 'reconnect' : 'first';
    this.everReady = true;
    this.log.info({ kind, serverVersion: this.port.serverVersion, accounts: this.accounts }, 'IB session ready');
    const mdType = { live: 1, frozen: 2, delayed: 3, delayedFrozen: 4 } as const;
    this.send('data', 'reqMarketDataType', (p) => p.reqMarketDataType(mdType[this.config.marketDataType]));
    this.brokerClock.reset();
    this.askBrokerTime();
    this.scheduleStatus();
    this.notify((l) => l.ready?.(kind));
    if (kind === 'reconnect') this.notify((l) => l.dataLost?.('reconnect', false));
  }

  /** Asks IB's time when due (session start, then once a minute): BrokerStatus.brokerTimeMs. */
  private askBrokerTime(): void {
    if (this.phase !== 'ready' || !this.brokerClock.due()) return;
    this.brokerClock.asked();
    // Its answer is paired with it in the governor like a probe's (one reqCurrentTime answered per question).
    this.governor.submit(
      'data',
      () => {
        if (this.phase !== 'ready') return;
        this.brokerClock.asked();
        this.port.reqCurrentTime();
      },
      { isProbe: true },
    );
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
        this.health.ibLinkLost = true;
        this.health.noteCode(code, message, 'connectivity-lost');
        this.log.warn({ code, message }, 'IB connectivity lost');
        return;
      case 'restored-data-lost':
        this.health.ibLinkLost = false;
        this.health.noteCode(code, message, 'restored-data-lost');
        this.log.warn({ code, message }, 'IB connectivity restored, data lost: resubscribing');
        this.notify((l) => l.dataLost?.(`IB ${code}`, true));
        return;
      case 'restored-data-kept':
        this.health.ibLinkLost = false;
        this.health.noteCode(code, message, 'restored');
        this.log.info({ code, message }, 'IB connectivity restored, data kept');
        return;
      case 'farm-broken':
      case 'farm-ok': {
        const back = this.health.onFarm(code, message, info);
        if (back !== undefined) this.notify((l) => l.dataLost?.(`farm ${back} back`, true));
        return;
      }
      case 'fatal':
        // 502: nothing accepts connections at host:port (before any session): say what to start there.
        this.health.noteCode(code, message, code === 502 ? 'unreachable' : 'other');
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

  /** The session's part of IB's callbacks (ib-event-routing.ts routes the rest to sinks and stream listeners). */
  private sessionEvents(): SessionEvents {
    return {
      onDisconnected: () => this.goDown('socket closed'),
      onNextValidId: (id) => this.becomeReady(id),
      onManagedAccounts: (accounts) => {
        this.accounts = accounts;
      },
      onConnected: () => {
        // @stoqey/ib has just written START_API itself: TWS counts it, so the window does, from now.
        this.governor.noteUnpaced();
      },
      onRequestAnswered: (reqId) => this.governor.answered(reqAnswer(reqId)),
      onCurrentTime: (epochSec) => {
        this.governor.currentTimeAnswered();
        // The governor's probes are answered here too, several a second in a burst: the first answer of a session
        // is news for the status (IB's time becomes known); later offsets go out with the periodic status.
        if (this.brokerClock.answered(epochSec)) this.scheduleStatus();
      },
      onCode: (code, reqId, message) => this.onCode(code, reqId, message),
    };
  }
}
