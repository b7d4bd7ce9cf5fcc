/**
 * What the gateway knows about the orders of its clientId: for each IB orderId, the clientOrderId it belongs to
 * (the orderRef we sent, or the one IB reported in openOrder), and where its messages stand. This is what makes
 * "a cancel can never reach another order" hold: a cancel or modify names both the orderId and the clientOrderId,
 * and is sent only when this registry (after asking IB's open orders when it does not know the id) says the
 * broker's order with that id carries that orderRef.
 */
import { ContractError } from '@trading-system/contracts';

export type OrderMessage = 'place' | 'modify';

export interface KnownOrder {
  readonly orderId: number;
  /** The orderRef of the broker's order with this id (ours: the clientOrderId). Empty when IB reported none. */
  clientOrderId: string;
  permId: number;
  /** Filled quantity from the last orderStatus. */
  filled: number | undefined;
  /** IB reported a final status (Filled, Cancelled, ApiCancelled, Inactive). */
  final: boolean;
  /** true once the new order's placeOrder was written, false when it was refused unsent; resolved at once for orders IB reported. */
  placeWritten: Promise<boolean>;
  /** Settles when the latest placeOrder (new or modify) for this order has been written or refused. */
  lastWrite: Promise<unknown>;
  /** The latest order message this instance wrote for the order (which request a broker refusal answers). */
  lastSent: OrderMessage | undefined;
  /** A cancel of ours (or a global cancel) was written: a 202 then confirms it rather than reports a reason. */
  cancelRequested: boolean;
}

export type MismatchReason = 'notOpen' | 'otherOrder' | 'neverSent';

export function mismatch(
  /** The broker order id as the command named it. */
  orderId: number | string,
  clientOrderId: string,
  reason: MismatchReason,
  found?: string,
): ContractError {
  const what =
    reason === 'otherOrder'
      ? `the broker's order ${orderId} is ${found === '' ? 'an order without orderRef' : found}, not ${clientOrderId}`
      : reason === 'neverSent'
        ? `order ${clientOrderId} (${orderId}) was never sent to the broker`
        : `the broker has no open order ${orderId} of this connection`;
  return new ContractError('BROKER_ORDER_MISMATCH', `${what}: nothing sent`, {
    details: {
      reason,
      orderId: String(orderId),
      clientOrderId,
      ...(found === undefined ? {} : { brokerClientOrderId: found }),
    },
  });
}

export class OrderRegistry {
  private readonly byOrderId = new Map<number, KnownOrder>();
  private readonly byRef = new Map<string, number>();

  get(orderId: number): KnownOrder | undefined {
    return this.byOrderId.get(orderId);
  }

  byClientOrderId(clientOrderId: string): KnownOrder | undefined {
    const id = this.byRef.get(clientOrderId);
    return id === undefined ? undefined : this.byOrderId.get(id);
  }

  /** A new order of ours under a freshly allocated id, before its placeOrder is written. */
  placed(orderId: number, clientOrderId: string, placeWritten: Promise<boolean>): KnownOrder {
    const k: KnownOrder = {
      orderId,
      clientOrderId,
      permId: 0,
      filled: undefined,
      final: false,
      placeWritten,
      lastWrite: placeWritten,
      lastSent: 'place',
      cancelRequested: false,
    };
    this.byOrderId.set(orderId, k);
    this.byRef.set(clientOrderId, orderId);
    return k;
  }

  /** The new order's placeOrder was refused unsent: the id was never used at the broker. */
  forget(orderId: number): void {
    const k = this.byOrderId.get(orderId);
    if (k === undefined) return;
    this.byOrderId.delete(orderId);
    if (this.byRef.get(k.clientOrderId) === orderId) this.byRef.delete(k.clientOrderId);
  }

  /**
   * IB reported an order of our clientId (openOrder). Its orderRef is the truth about which order the id is;
   * returns the clientOrderId we held before when IB says otherwise (never expected: ids are never reused).
   */
  learned(orderId: number, orderRef: string, permId: number): { conflict?: string } {
    const k = this.byOrderId.get(orderId);
    if (permId > 0 && k !== undefined) k.permId = permId;
    if (k !== undefined && k.clientOrderId === orderRef) return {};
    const before = k?.clientOrderId;
    if (k !== undefined) {
      if (this.byRef.get(k.clientOrderId) === orderId) this.byRef.delete(k.clientOrderId);
      k.clientOrderId = orderRef;
    } else {
      const written = Promise.resolve(true);
      this.byOrderId.set(orderId, {
        orderId,
        clientOrderId: orderRef,
        permId: Math.max(0, permId),
        filled: undefined,
        final: false,
        placeWritten: written,
        lastWrite: written,
        lastSent: undefined,
        cancelRequested: false,
      });
    }
    if (orderRef !== '') this.byRef.set(orderRef, orderId);
    return before === undefined ? {} : { conflict: before };
  }

  /** IB orderStatus of an order of our clientId. */
  status(orderId: number, filled: number, permId: number, final: boolean): KnownOrder | undefined {
    const k = this.byOrderId.get(orderId);
    if (k === undefined) return undefined;
    k.filled = filled;
    if (permId > 0) k.permId = permId;
    if (final) k.final = true;
    return k;
  }

  /** Every order not known to be final (a global cancel marks them as cancel-requested). */
  open(): KnownOrder[] {
    return [...this.byOrderId.values()].filter((k) => !k.final);
  }

  /**
   * The order with `orderId` if it is `clientOrderId`'s; else BROKER_ORDER_MISMATCH. When the id is unknown,
   * `lookup()` asks the broker's open orders first (their openOrder callbacks feed `learned`).
   */
  async verify(orderId: number, clientOrderId: string, lookup: () => Promise<void>): Promise<KnownOrder> {
    let k = this.byOrderId.get(orderId);
    if (k === undefined) {
      await lookup();
      k = this.byOrderId.get(orderId);
    }
    if (k === undefined) throw mismatch(orderId, clientOrderId, 'notOpen');
    if (k.clientOrderId !== clientOrderId) throw mismatch(orderId, clientOrderId, 'otherOrder', k.clientOrderId);
    return k;
  }
}
