/**
 * Orders of one broker connection: place / modify / cancel / cancelAll commands from the OMS, and every IB
 * openOrder / orderStatus / execDetails / commissionReport turned into a fact on the durable
 * `broker.<name>.evt.*` stream (BROKER_EVENTS), each with a deterministic event id used as `Nats-Msg-Id`:
 * `exec-<execId>` for fills, `comm-<execId>`, `st-<orderKey>-<fingerprint>`, `oo-<orderKey>-<fingerprint>`,
 * so whatever IB re-sends (reconnect, reconciliation) is dropped by JetStream as a duplicate (msg id =
 * `<broker>:<eventId>`, see brokerMsgId).
 *
 * Our clientOrderId travels as IB orderRef. IB order ids come from nextValidId, are never reused and are kept
 * above any id IB reports for this clientId. An order at the broker that we did not place (another clientId,
 * TWS, or no orderRef) is published as `externalOrder`. A reply to a command only says "sent".
 * Facts are published in arrival order through one chain (an execution before its commission).
 */
import type { Contract, Order, OrderState } from '@stoqey/ib';
import type { Bus } from '@trading-system/bus';
import {
  type BrokerCancelOrderRequest,
  type BrokerEventKind,
  type BrokerModifyOrderRequest,
  type BrokerOrder,
  type BrokerPlaceOrderRequest,
  ContractError,
  type Instrument,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection } from './connection.js';
import type { ContractCache } from './contract-cache.js';
import type { IbOrderStatusUpdate } from './ib-port.js';
import { tradingContract } from './parsing/contracts.js';
import { priceOrUndefined, toDecimalString } from './parsing/numbers.js';
import {
  clientOrderIdOf,
  fingerprint,
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
 * broker's facts in one dedup window and ids like permIds are only unique within one IB account.
 */
export function brokerMsgId(broker: string, eventId: string): string {
  return `${broker}:${eventId}`;
}

interface Known {
  clientOrderId: string | undefined;
  permId: number;
  filled: number | undefined;
}

/** TWS login time zone of execution times (ib-sim and a default TWS install: US/Eastern). */
const TWS_ZONE = 'US/Eastern';

export class Orders {
  private readonly byOrderId = new Map<number, Known>();
  private readonly byClientOrderId = new Map<string, number>();
  /**
   * placeOrder calls (new or modify) per orderId still queued in the governor. A cancel behind one of them must
   * queue behind it too: in its own faster lane it would reach IB first, be refused as unknown (10147) and leave
   * the order working. A call dropped unsent on a disconnect leaves its count behind; that only routes a later
   * cancel of that order through the order lane.
   */
  private readonly unsent = new Map<number, number>();
  private chain: Promise<void> = Promise.resolve();
  /** Latest execution time seen, epoch ms (reconciliation asks IB for executions since then). */
  lastExecTimeMs: number | undefined;
  readonly stats = { published: 0, duplicates: 0, external: 0, failed: 0 };

  constructor(
    private readonly conn: BrokerConnection,
    private readonly contracts: ContractCache,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {
    conn.onStream({
      onOpenOrder: (id, c, o, st) => this.onOpenOrder(id, c, o, st),
      onOrderStatus: (u) => this.onOrderStatus(u),
      onExecDetails: (_reqId, c, e) => {
        try {
          const x = toExecution(c, e, TWS_ZONE);
          if (x.orderId > 0 && e.clientId === conn.config.clientId) conn.noteOrderIdSeen(x.orderId);
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
  }

  /** Resolves once every fact received so far is on the stream. */
  flushed(): Promise<void> {
    return this.chain;
  }

  async place(req: BrokerPlaceOrderRequest): Promise<{ orderId: number }> {
    this.conn.requireReady();
    const existing = this.byClientOrderId.get(req.clientOrderId);
    if (existing !== undefined) return { orderId: existing }; // a retried command changes nothing
    this.checkAccount(req.account);
    const instrument = await this.contracts.qualifyOne({ conId: req.instrument.conId });
    const again = this.byClientOrderId.get(req.clientOrderId);
    if (again !== undefined) return { orderId: again };
    const orderId = this.conn.takeOrderId();
    this.byClientOrderId.set(req.clientOrderId, orderId);
    this.byOrderId.set(orderId, { clientOrderId: req.clientOrderId, permId: 0, filled: undefined });
    this.watchRejection(orderId, req.clientOrderId);
    this.sendOrder(orderId, instrument, req);
    return { orderId };
  }

  async modify(req: BrokerModifyOrderRequest): Promise<{ orderId: number }> {
    this.conn.requireReady();
    this.checkAccount(req.account);
    const known = this.byOrderId.get(req.orderId);
    if (known?.clientOrderId !== undefined && known.clientOrderId !== req.clientOrderId) {
      throw new ContractError(
        'VALIDATION_FAILED',
        `order ${req.orderId} belongs to ${known.clientOrderId}, not ${req.clientOrderId}`,
      );
    }
    const instrument = await this.contracts.qualifyOne({ conId: req.instrument.conId });
    this.watchRejection(req.orderId, req.clientOrderId);
    this.sendOrder(req.orderId, instrument, req);
    return { orderId: req.orderId };
  }

  cancel(req: BrokerCancelOrderRequest): { orderId: number } {
    this.conn.requireReady();
    this.watchRejection(req.orderId, req.clientOrderId);
    const lane = this.unsent.has(req.orderId) ? 'order' : 'cancel';
    this.conn.send(lane, 'cancelOrder', (p) => p.cancelOrder(req.orderId));
    return { orderId: req.orderId };
  }

  cancelAll(): void {
    this.conn.send('cancel', 'reqGlobalCancel', (p) => p.reqGlobalCancel());
  }

  /** A BrokerOrder from IB's openOrder / completedOrder (qualifies the conId when not cached). */
  async brokerOrder(orderId: number, contract: Contract, order: Order, state: OrderState): Promise<BrokerOrder> {
    const instrument = await this.instrumentOf(contract);
    return toBrokerOrder(orderId, instrument, order, state, this.byOrderId.get(orderId)?.filled);
  }

  /** True when IB says the order was placed by this connection's clientId with one of our orderRefs. */
  isOurs(order: Order): boolean {
    return order.clientId === this.conn.config.clientId && clientOrderIdOf(order.orderRef) !== undefined;
  }

  private checkAccount(account: string): void {
    const accounts = this.conn.managedAccounts;
    if (accounts.length > 0 && !accounts.includes(account)) {
      throw new ContractError('ACCOUNT_UNKNOWN', `account ${account} is not managed by ${this.conn.name}`, {
        details: { accounts: [...accounts] },
      });
    }
  }

  private sendOrder(orderId: number, instrument: Instrument, req: BrokerPlaceOrderRequest): void {
    const contract = tradingContract(instrument, req.instrument.exchange);
    const order = toIbOrder(req);
    const sent = () => {
      const left = (this.unsent.get(orderId) ?? 1) - 1;
      if (left > 0) this.unsent.set(orderId, left);
      else this.unsent.delete(orderId);
    };
    this.unsent.set(orderId, (this.unsent.get(orderId) ?? 0) + 1);
    try {
      this.conn.send('order', 'placeOrder', (p) => {
        sent();
        p.placeOrder(orderId, contract, order);
      });
    } catch (err) {
      sent();
      throw err;
    }
  }

  /** IB reports refusals as errors on the orderId: publish them as orderRejected facts. */
  private watchRejection(orderId: number, clientOrderId: string): void {
    this.conn.register(orderId, {
      code: (code, message, info) => {
        if (info.cls !== 'order-rejected') {
          if (info.cls === 'request-failed' && code !== 202)
            this.log.warn({ orderId, code, message }, 'IB refused an order request');
          return;
        }
        const known = this.byOrderId.get(orderId);
        const now = Date.now();
        this.publish(
          'orderRejected',
          `rej-${orderKey(known?.permId ?? 0, this.conn.config.clientId, orderId)}-${code}`,
          {
            tsEventMs: now,
            tsInitMs: now,
            orderId,
            permId: known?.permId ?? 0,
            clientOrderId,
            brokerCode: code,
            message: message.slice(0, 2048),
          },
        );
      },
    });
  }

  private onOrderStatus(u: IbOrderStatusUpdate): void {
    const ours = u.clientId === this.conn.config.clientId;
    if (ours) this.conn.noteOrderIdSeen(u.orderId);
    const status = parseIbStatus(u.status);
    if (status === undefined) {
      this.log.warn({ orderId: u.orderId, status: u.status }, 'unknown IB order status: not published');
      return;
    }
    const known = ours ? this.byOrderId.get(u.orderId) : undefined;
    if (known !== undefined) {
      known.filled = u.filled;
      if (u.permId > 0) known.permId = u.permId;
    }
    // IB reports a refusal before the final status; after it nothing more can be refused for this id.
    if (ours && (status === 'Filled' || status === 'Cancelled' || status === 'ApiCancelled' || status === 'Inactive')) {
      queueMicrotask(() => this.conn.unregister(u.orderId));
    }
    const now = Date.now();
    const body: Record<string, unknown> = {
      tsEventMs: now,
      tsInitMs: now,
      orderId: u.orderId,
      permId: Math.max(0, u.permId),
      status,
      filled: toDecimalString(u.filled) ?? '0',
      remaining: toDecimalString(u.remaining) ?? '0',
    };
    if (known?.clientOrderId !== undefined) body.clientOrderId = known.clientOrderId;
    if (u.filled > 0) {
      const avg = priceOrUndefined(u.avgFillPrice);
      const last = priceOrUndefined(u.lastFillPrice);
      if (avg !== undefined) body.avgFillPrice = avg;
      if (last !== undefined && u.lastFillPrice !== 0) body.lastFillPrice = last;
    }
    if (u.whyHeld !== '') body.whyHeld = u.whyHeld;
    const fp = fingerprint(`${status}|${body.filled}|${body.remaining}|${body.avgFillPrice ?? ''}`);
    this.publish('orderStatus', `st-${orderKey(u.permId, u.clientId, u.orderId)}-${fp}`, body);
  }

  private onOpenOrder(orderId: number, contract: Contract, order: Order, state: OrderState): void {
    const ours = this.isOurs(order);
    const coid = clientOrderIdOf(order.orderRef);
    if (order.clientId === this.conn.config.clientId) this.conn.noteOrderIdSeen(orderId);
    if (ours && coid !== undefined) {
      const known = this.byOrderId.get(orderId) ?? { clientOrderId: coid, permId: 0, filled: undefined };
      known.clientOrderId = coid;
      if ((order.permId ?? 0) > 0) known.permId = order.permId ?? 0;
      this.byOrderId.set(orderId, known);
      this.byClientOrderId.set(coid, orderId);
    }
    const kind: BrokerEventKind = ours ? 'openOrder' : 'externalOrder';
    if (!ours) this.stats.external++;
    // Qualification may need a round trip: keep the order of facts by doing it inside the publish chain.
    this.enqueue(async () => {
      const b = await this.brokerOrder(orderId, contract, order, state);
      const now = Date.now();
      const key = orderKey(b.permId, order.clientId ?? -1, orderId);
      const id = `${ours ? 'oo' : 'xo'}-${key}-${fingerprint(JSON.stringify(b))}`;
      await this.publishNow(kind, id, { tsEventMs: now, tsInitMs: now, order: b });
    });
  }

  private async instrumentOf(contract: Contract): Promise<Instrument> {
    const conId = contract.conId;
    if (conId === undefined || conId <= 0) throw new ContractError('CONTRACT_UNKNOWN', 'IB order without conId');
    return this.contracts.get(conId) ?? (await this.contracts.qualifyOne({ conId }));
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

  private async publishNow(kind: BrokerEventKind, eventId: string, body: Record<string, unknown>): Promise<void> {
    const id = eventId.length > 64 ? `${eventId.slice(0, 55)}-${fingerprint(eventId)}`.slice(0, 64) : eventId;
    const subject = Subjects.brokerEvent.build({ broker: this.conn.name, kind });
    const msg = { v: 1, eventId: id, broker: this.conn.name, ...body };
    const ack = await this.bus.jetstream.publish(subject, msg, { msgId: brokerMsgId(this.conn.name, id) });
    if (ack.duplicate) this.stats.duplicates++;
    else this.stats.published++;
  }
}
