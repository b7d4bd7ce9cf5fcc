/**
 * reqAllOpenOrders rounds. IB answers with openOrder… then openOrderEnd, and neither carries a request id, so two
 * overlapping requests (a reconciliation and a same-order lookup) would each take the first end marker as theirs.
 * Requests are counted as they are written and end markers as they arrive; IB answers in order on one socket, so
 * the k-th end marker of a session ends the k-th request, and the openOrder callbacks before it (after the
 * (k-1)-th) answer it. The callbacks also reach every other stream listener (orders.ts learns each order's
 * orderRef from them).
 */
import type { Contract, Order, OrderState } from '@stoqey/ib';
import { ContractError } from '@trading-system/contracts';
import type { BrokerConnection } from './connection.js';

/** One openOrder callback. */
export interface OpenOrderReport {
  readonly orderId: number;
  readonly contract: Contract;
  readonly order: Order;
  readonly state: OrderState;
}

interface Waiter {
  readonly round: number;
  readonly orders: OpenOrderReport[];
  resolve(orders: OpenOrderReport[]): void;
  reject(err: Error): void;
}

export class OpenOrderRounds {
  private written = 0;
  private ended = 0;
  private waiters: Waiter[] = [];
  private joinable: Promise<unknown> | undefined;

  constructor(
    private readonly conn: BrokerConnection,
    private readonly timeoutMs = 10_000,
  ) {
    conn.onStream({
      onOpenOrder: (orderId, contract, order, state) => {
        const answering = this.waiters.find((w) => w.round === this.ended + 1);
        answering?.orders.push({ orderId, contract, order, state });
      },
      onOpenOrderEnd: () => {
        this.ended += 1;
        const due = this.waiters.filter((w) => w.round <= this.ended);
        this.waiters = this.waiters.filter((w) => w.round > this.ended);
        for (const w of due) w.resolve(w.orders);
      },
    });
    conn.on({
      down: () => {
        const all = this.waiters;
        this.waiters = [];
        this.written = 0;
        this.ended = 0;
        for (const w of all)
          w.reject(new ContractError('BROKER_DISCONNECTED', 'disconnected before the open orders arrived'));
      },
    });
  }

  /** One round of its own: resolves with every open order IB reported for it (all clients, TWS included). */
  request(timeoutMs = this.timeoutMs): Promise<OpenOrderReport[]> {
    return new Promise<OpenOrderReport[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ContractError('TIMEOUT', `no openOrderEnd from IB within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const settle = (fn: () => void) => () => {
        clearTimeout(timer);
        fn();
      };
      const waiter = (round: number): Waiter => ({
        round,
        orders: [],
        resolve: (orders) => settle(() => resolve(orders))(),
        reject: (err) => settle(() => reject(err))(),
      });
      try {
        this.conn.send('order', 'reqAllOpenOrders', (p) => {
          this.written += 1;
          this.waiters.push(waiter(this.written));
          p.reqAllOpenOrders();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  /**
   * A round for a lookup of an order placed before now: joins one in flight (its answer includes every order
   * written before this call), else starts one.
   */
  async refresh(timeoutMs = this.timeoutMs): Promise<void> {
    this.joinable ??= this.request(timeoutMs).finally(() => {
      this.joinable = undefined;
    });
    await this.joinable;
  }
}
