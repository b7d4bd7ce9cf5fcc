/**
 * Orders of one broker connection: place / modify / cancel / cancelAll commands from the OMS, and every IB
 * openOrder / orderStatus / execDetails / commissionReport / order error turned into a fact on the durable
 * `broker.<name>.evt.*` stream (BROKER_EVENTS), each with a deterministic event id used as `Nats-Msg-Id`
 * (`<broker>:<eventId>`, see brokerMsgId), so whatever IB re-sends (reconnect, reconciliation) is dropped by
 * JetStream as a duplicate.
 *
 * A command's ok reply means its message was WRITTEN to the broker's socket; a refusal means nothing was sent
 * (BROKER_BUSY, BROKER_DISCONNECTED, BROKER_ORDER_MISMATCH, ...); no reply (the caller's timeout) means either.
 * Our clientOrderId travels as IB orderRef. Order ids come from order-ids.ts (never reused, across restarts too).
 * A cancel or modify is sent only for the broker order whose orderRef is the request's clientOrderId
 * (order-registry.ts). An order at the broker that we did not place is published as `externalOrder`.
 * Facts are published in arrival order through one chain (an execution before its commission). The chain waits
 * for a fact to be ISSUED on the bus's one connection, not for JetStream's acknowledgement: one connection keeps
 * their order on the stream, and waiting for each ack made every fact of a burst (a new order's openOrder, then its
 * orderStatus; a fill's four) wait for a server round trip per fact before it (~1 ms each on an idle machine).
 */
import type { Contract, Order, OrderState } from '@stoqey/ib';
import type { Bus } from '@trading-system/bus';
import {
  type BrokerCancelOrderRequest,
  type BrokerCapabilities,
  type BrokerEventKind,
  type BrokerModifyOrderRequest,
  type BrokerOrder,
  type BrokerPlaceOrderRequest,
  ContractError,
  FINAL_BROKER_ORDER_STATES,
  type Instrument,
  orderCapabilityProblem,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection } from './connection.js';
import type { ContractCache } from './contract-cache.js';
import type { IbCodeInfo } from './ib-error-classes.js';
import { isCancelRefusal, isOrderCancelledNotice } from './ib-error-classes.js';
import type { IbOrderStatusUpdate } from './ib-port.js';
import type { OpenOrderRounds } from './open-orders.js';
import { type KnownOrder, mismatch, OrderRegistry } from './order-registry.js';
import { instrumentIdOf, tradingContract } from './parsing/contracts.js';
import { priceOrUndefined, toDecimalString } from './parsing/numbers.js';
import {
  brokerIds,
  clientOrderIdOf,
  fingerprint,
  ibOrderIdOf,
  isFinalIbStatus,
  orderKey,
  parseIbStatus,
  toBrokerOrder,
  toCommission,
  toExecution,
  toIbOrder,
  tokenSafe,
} from './parsing/orders.js';

/**
 * The JetStream `Nats-Msg-Id` of a broker fact: the event id scoped by broker, since BROKER_EVENTS holds every
 * broker's facts in one dedup window and broker ids (exec ids, order ids, perm ids) are only unique per broker.
 */
export function brokerMsgId(broker: string, eventId: string): string {
  return `${broker}:${eventId}`;
}

export interface OrdersOptions {
  /** BrokerStatus.instanceId: makes the ids of one-off facts (refusals) unique across restarts. */
  readonly instanceId: string;
  /** Longest an order message may wait in the governor before it is refused unsent (BROKER_BUSY), ms. */
  readonly queueBudgetMs: number;
  readonly openOrders: OpenOrderRounds;
  /** What the connection announces: an order outside it is refused unsent. */
  readonly capabilities: BrokerCapabilities;
}

/** Facts issued on the stream and not yet acknowledged, at most (publishNow). */
const MAX_UNACKED = 256;

/** TWS login time zone of execution times (ib-sim and a default TWS install: US/Eastern). */
const TWS_ZONE = 'US/Eastern';

export class Orders {
  readonly registry = new OrderRegistry();
  /** placeOrder commands in flight by clientOrderId: a retry while the first is queued gets the same outcome. */
  private readonly placing = new Map<string, Promise<{ orderId: string }>>();
  private chain: Promise<void> = Promise.resolve();
  /** Acknowledgements of facts issued and not answered yet (settled: counted and logged, never rejected). */
  private readonly unacked = new Set<Promise<void>>();
  private refusals = 0;
  /** Latest execution time seen, epoch ms (reconciliation asks IB for executions since then). */
  lastExecTimeMs: number | undefined;
  readonly stats = { published: 0, duplicates: 0, external: 0, failed: 0 };

  constructor(
    private readonly conn: BrokerConnection,
    private readonly contracts: ContractCache,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly options: OrdersOptions,
  ) {
    conn.onStream({
      onOpenOrder: (id, c, o, st) => this.onOpenOrder(id, c, o, st),
      onOrderStatus: (u) => this.onOrderStatus(u),
      onExecDetails: (_reqId, c, e) => {
        try {
          const x = toExecution(c, e, TWS_ZONE);
          if (e.orderId !== undefined && e.orderId > 0 && e.clientId === conn.config.clientId)
            conn.noteOrderIdSeen(e.orderId);
          this.lastExecTimeMs = Math.max(this.lastExecTimeMs ?? 0, x.execTimeMs);
          const now = Date.now();
          this.publish('execution', `exec-${tokenSafe(x.execId)}`, {
            tsEventMs: x.execTimeMs,
            tsInitMs: now,
            execution: x,
          });
        } catch (err) {
          this.log.error({ err, execId: e.execId }, 'unusable execution from IB');
        }
      },
      onCommissionReport: (r) => {
        try {
          const c = toCommission(r);
          const now = Date.now();
          this.publish('commissionReport', `comm-${tokenSafe(c.execId)}`, { tsEventMs: now, tsInitMs: now, ...c });
        } catch (err) {
          this.log.error({ err, execId: r.execId }, 'unusable commission report from IB');
        }
      },
    });
    conn.onOrderCode((orderId, code, message, info) => this.onOrderCode(orderId, code, message, info));
  }

  /** Resolves once every fact received so far is on the stream (or its publish failed, logged). */
  async flushed(): Promise<void> {
    await this.chain;
    await Promise.all(this.unacked);
  }

  /** Sends a new order; resolves with its IB orderId (as the contract's string) once placeOrder is written. */
  place(req: BrokerPlaceOrderRequest): Promise<{ orderId: string }> {
    this.conn.requireReady();
    const inFlight = this.placing.get(req.clientOrderId);
    if (inFlight !== undefined) return inFlight;
    // A retried command changes nothing: the order is known (placed here, or reported by IB as open).
    const known = this.registry.byClientOrderId(req.clientOrderId);
    if (known !== undefined) return Promise.resolve({ orderId: String(known.orderId) });
    const p = this.placeNew(req).finally(() => this.placing.delete(req.clientOrderId));
    this.placing.set(req.clientOrderId, p);
    return p;
  }

  /** Re-sends the order under its id; only when the broker's order with that id is the request's clientOrderId. */
  async modify(req: BrokerModifyOrderRequest): Promise<{ orderId: string }> {
    if (!this.options.capabilities.modify)
      throw new ContractError('ORDER_MODIFY_UNSUPPORTED', `${this.conn.name} does not modify working orders`);
    const deadline = this.deadline();
    this.conn.requireReady();
    this.checkAccount(req.account);
    const known = await this.verify(ibOrderIdOf(req.orderId), req, deadline);
    const instrument = await this.within(deadline, 'qualifying the contract', () =>
      this.contracts.qualifyOne({ id: req.instrument.id }),
    );
    this.checkCapabilities(req, instrument);
    await this.writePlace(known, 'modify', instrument, req, deadline);
    return { orderId: req.orderId };
  }

  /** Cancels one order; only when the broker's order with that id is the request's clientOrderId. */
  async cancel(req: BrokerCancelOrderRequest): Promise<{ orderId: string }> {
    const deadline = this.deadline();
    this.conn.requireReady();
    const known = await this.verify(ibOrderIdOf(req.orderId), req, deadline);
    // Its placeOrder (and any modify) goes first: a cancel overtaking it would meet an id IB does not know yet.
    const placed = await this.within(deadline, 'waiting for the placeOrder', () => known.placeWritten);
    if (!placed) throw mismatch(req.orderId, req.clientOrderId, 'neverSent');
    await this.within(deadline, 'waiting for the modifyOrder', () => known.lastWrite);
    const before = known.cancelRequested;
    known.cancelRequested = true;
    try {
      await this.conn.orderWrites.write('cancel', 'cancelOrder', this.left(deadline, 'cancelOrder'), (p) =>
        p.cancelOrder(known.orderId),
      );
    } catch (err) {
      known.cancelRequested = before;
      throw err;
    }
    return { orderId: req.orderId };
  }

  cancelAll(): void {
    this.conn.send('cancel', 'reqGlobalCancel', (p) => {
      for (const k of this.registry.open()) k.cancelRequested = true;
      p.reqGlobalCancel();
    });
  }

  /** A BrokerOrder from IB's openOrder / completedOrder (qualifies the conId when not cached). */
  async brokerOrder(orderId: number, contract: Contract, order: Order, state: OrderState): Promise<BrokerOrder> {
    const instrument = await this.instrumentOf(contract);
    return toBrokerOrder(orderId, instrument, order, state, this.registry.get(orderId)?.filled);
  }

  /** True when IB says the order was placed by this connection's clientId with one of our orderRefs. */
  isOurs(order: Order): boolean {
    return order.clientId === this.conn.config.clientId && clientOrderIdOf(order.orderRef) !== undefined;
  }

  private async placeNew(req: BrokerPlaceOrderRequest): Promise<{ orderId: string }> {
    const deadline = this.deadline();
    this.checkAccount(req.account);
    const instrument = await this.within(deadline, 'qualifying the contract', () =>
      this.contracts.qualifyOne({ id: req.instrument.id }),
    );
    this.checkCapabilities(req, instrument);
    this.conn.requireReady();
    // Refused before an id is spent on it when the queue is already too long.
    this.conn.orderWrites.admit('order', 'placeOrder', this.left(deadline, 'placeOrder'));
    // An id taken but then refused for time is simply never used: ids may be skipped, never reused.
    const orderId = await this.within(deadline, 'reserving an order id', () => this.conn.takeOrderId());
    let written!: (ok: boolean) => void;
    const known = this.registry.placed(orderId, req.clientOrderId, new Promise<boolean>((r) => (written = r)));
    try {
      await this.writePlace(known, 'place', instrument, req, deadline);
      written(true);
    } catch (err) {
      // Refused unsent: the id never reached the broker, and nothing may be sent for this order under it.
      this.registry.forget(orderId);
      written(false);
      throw err;
    }
    return { orderId: String(orderId) };
  }

  private async writePlace(
    known: KnownOrder,
    kind: 'place' | 'modify',
    instrument: Instrument,
    req: BrokerPlaceOrderRequest,
    deadline: number,
  ): Promise<void> {
    const contract = tradingContract(instrument, req.instrument.exchange);
    const order = toIbOrder(req);
    const what = kind === 'place' ? 'placeOrder' : 'modifyOrder';
    const write = this.conn.orderWrites.write(
      'order',
      what,
      this.left(deadline, what),
      (p) => {
        known.lastSent = kind;
        return p.placeOrder(known.orderId, contract, order);
      },
      kind === 'place' ? known.orderId : undefined,
    );
    known.lastWrite = write.catch(() => undefined);
    await write;
  }

  /** `orderId` undefined: the command's id is not one IB could know (ibOrderIdOf), so it names no order of ours. */
  private verify(
    orderId: number | undefined,
    req: { readonly orderId: string; readonly clientOrderId: string },
    deadline: number,
  ): Promise<KnownOrder> {
    if (orderId === undefined) return Promise.reject(mismatch(req.orderId, req.clientOrderId, 'notOpen'));
    return this.registry.verify(orderId, req.clientOrderId, () =>
      this.within(deadline, "listing the broker's open orders", () => this.options.openOrders.refresh()),
    );
  }

  /** Every order command is answered within the queue budget: sent, or refused unsent. */
  private deadline(): number {
    return Date.now() + this.options.queueBudgetMs;
  }

  private left(deadline: number, what: string): number {
    const ms = deadline - Date.now();
    if (ms <= 0) throw this.late(what);
    return ms;
  }

  /** `step()`, or BROKER_BUSY once the command's budget is spent (nothing of it was sent yet). */
  private async within<T>(deadline: number, what: string, step: () => Promise<T>): Promise<T> {
    const p = step();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.late(what)), Math.max(0, deadline - Date.now()));
    });
    p.catch(() => undefined);
    try {
      return await Promise.race([p, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private late(what: string): ContractError {
    return new ContractError('BROKER_BUSY', `${what} took longer than the order budget: nothing sent`, {
      details: { retryAfterMs: this.options.queueBudgetMs },
    });
  }

  /** What the connection does not announce is refused before anything is sent (the OMS denies it earlier). */
  private checkCapabilities(req: BrokerPlaceOrderRequest, instrument: Instrument): void {
    const problem = orderCapabilityProblem(this.options.capabilities, { ...req, secType: instrument.secType });
    if (problem !== undefined)
      throw new ContractError(problem.code, `${this.conn.name}: ${problem.message}`, {
        details: { rule: problem.rule },
      });
  }

  private checkAccount(account: string): void {
    const accounts = this.conn.managedAccounts;
    if (accounts.length > 0 && !accounts.includes(account)) {
      throw new ContractError('ACCOUNT_UNKNOWN', `account ${account} is not managed by ${this.conn.name}`, {
        details: { accounts: [...accounts] },
      });
    }
  }

  /**
   * Every IB code for one of our order ids. Refusals are published as orderRejected with the broker's code and
   * text and which of our requests they answer: `place`, `modify` (the order keeps its previous terms), `cancel`
   * (the order is unchanged), or `broker` (IB cancelled the order itself, 202 with its reason). A 202 answering a
   * cancel of ours is its confirmation, not a refusal: the Cancelled status follows.
   */
  private onOrderCode(orderId: number, code: number, message: string, info: IbCodeInfo): void {
    if (info.cls === 'warning') {
      this.log.info({ orderId, code, message }, 'IB order notice');
      return;
    }
    if (info.cls !== 'order-rejected' && info.cls !== 'request-failed') return;
    const known = this.registry.get(orderId);
    let action: 'place' | 'modify' | 'cancel' | 'broker';
    if (isOrderCancelledNotice(code)) {
      if (known?.cancelRequested === true) return;
      action = 'broker';
    } else if (isCancelRefusal(code)) {
      action = 'cancel';
      if (known !== undefined) known.cancelRequested = false;
    } else action = known?.lastSent ?? 'broker';
    this.log.info({ orderId, code, message, action }, 'IB refused an order request');
    const now = Date.now();
    const permId = known?.permId ?? 0;
    const key = orderKey(permId, this.conn.config.clientId, orderId);
    this.refusals += 1;
    const body: Record<string, unknown> = {
      tsEventMs: now,
      tsInitMs: now,
      ...brokerIds(orderId, permId),
      brokerCode: code,
      message: message.slice(0, 2048),
      action,
    };
    if (known !== undefined && clientOrderIdOf(known.clientOrderId) !== undefined)
      body.clientOrderId = known.clientOrderId;
    const id = `rej-${key}-${action}-${code}-${this.options.instanceId.slice(0, 8)}-${this.refusals}`;
    this.publish('orderRejected', id, body);
  }

  private onOrderStatus(u: IbOrderStatusUpdate): void {
    const ours = u.clientId === this.conn.config.clientId;
    if (ours) this.conn.noteOrderIdSeen(u.orderId);
    const status = parseIbStatus(u.status);
    if (status === undefined) {
      this.log.warn({ orderId: u.orderId, status: u.status }, 'unknown IB order status: not published');
      return;
    }
    const known = ours
      ? this.registry.status(u.orderId, u.filled, u.permId, FINAL_BROKER_ORDER_STATES.has(status))
      : undefined;
    const now = Date.now();
    const body: Record<string, unknown> = {
      tsEventMs: now,
      tsInitMs: now,
      ...brokerIds(u.orderId, u.permId),
      status,
      filled: toDecimalString(u.filled) ?? '0',
      remaining: toDecimalString(u.remaining) ?? '0',
    };
    const coid = clientOrderIdOf(known?.clientOrderId);
    if (coid !== undefined) body.clientOrderId = coid;
    if (u.filled > 0) {
      const avg = priceOrUndefined(u.avgFillPrice);
      const last = priceOrUndefined(u.lastFillPrice);
      if (avg !== undefined) body.avgFillPrice = avg;
      if (last !== undefined && u.lastFillPrice !== 0) body.lastFillPrice = last;
    }
    if (u.whyHeld !== '') body.whyHeld = u.whyHeld;
    // The IB word, not the mapped one, as before the mapping: the same IB fact keeps its event id across versions.
    const fp = fingerprint(`${u.status}|${body.filled}|${body.remaining}|${body.avgFillPrice ?? ''}`);
    this.publish('orderStatus', `st-${orderKey(u.permId, u.clientId, u.orderId)}-${fp}`, body);
  }

  private onOpenOrder(orderId: number, contract: Contract, order: Order, state: OrderState): void {
    const ours = this.isOurs(order);
    if (order.clientId === this.conn.config.clientId && orderId > 0) {
      this.conn.noteOrderIdSeen(orderId);
      const { conflict } = this.registry.learned(orderId, order.orderRef ?? '', order.permId ?? 0);
      if (conflict !== undefined) {
        this.log.error(
          { orderId, held: conflict, orderRef: order.orderRef },
          'IB reports another orderRef for an order id we placed: trusting IB, commands for the old one are refused',
        );
      }
      if (isFinalIbStatus(state.status)) this.registry.status(orderId, order.filledQuantity ?? 0, 0, true);
    }
    const kind: BrokerEventKind = ours ? 'openOrder' : 'externalOrder';
    if (!ours) this.stats.external++;
    // Qualification may need a round trip: keep the order of facts by doing it inside the publish chain.
    this.enqueue(async () => {
      const b = await this.brokerOrder(orderId, contract, order, state);
      const now = Date.now();
      const key = orderKey(order.permId ?? 0, order.clientId ?? -1, orderId);
      const id = `${ours ? 'oo' : 'xo'}-${key}-${fingerprint(JSON.stringify(b))}`;
      await this.publishNow(kind, id, { tsEventMs: now, tsInitMs: now, order: b });
    });
  }

  private async instrumentOf(contract: Contract): Promise<Instrument> {
    const conId = contract.conId;
    if (conId === undefined || conId <= 0) throw new ContractError('CONTRACT_UNKNOWN', 'IB order without conId');
    const id = instrumentIdOf(conId);
    return this.contracts.get(id) ?? (await this.contracts.qualifyOne({ id }));
  }

  private publish(kind: BrokerEventKind, eventId: string, body: Record<string, unknown>): void {
    this.enqueue(() => this.publishNow(kind, eventId, body));
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      this.stats.failed++;
      this.log.error({ err }, 'publishing a broker event failed');
    });
  }

  /**
   * Issues the fact now (in chain order) and returns once it is issued; its acknowledgement is awaited beside the
   * chain. At most MAX_UNACKED are outstanding, so a replayed burst (a reconnect's thousands of facts) cannot put
   * more requests before the server than it answers within their timeout.
   */
  private async publishNow(kind: BrokerEventKind, eventId: string, body: Record<string, unknown>): Promise<void> {
    while (this.unacked.size >= MAX_UNACKED) await Promise.race(this.unacked);
    const id = eventId.length > 64 ? `${eventId.slice(0, 55)}-${fingerprint(eventId)}`.slice(0, 64) : eventId;
    const subject = Subjects.brokerEvent.build({ broker: this.conn.name, kind });
    const msg = { v: 1, eventId: id, broker: this.conn.name, ...body };
    // bus.jetstream.publish writes the message before it first yields: issue order is stream order.
    const acked = this.bus.jetstream.publish(subject, msg, { msgId: brokerMsgId(this.conn.name, id) }).then(
      (ack) => {
        if (ack.duplicate) this.stats.duplicates++;
        else this.stats.published++;
      },
      (err: unknown) => {
        this.stats.failed++;
        this.log.error({ err, kind, eventId: id }, 'publishing a broker event failed');
      },
    );
    this.unacked.add(acked);
    void acked.finally(() => this.unacked.delete(acked));
  }
}
