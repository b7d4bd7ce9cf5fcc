/**
 * Live order views for `onOrderView`: every order event folded with the order's earlier ones by the one fold of
 * order events (contracts `OrderFolds` / `foldOrder`), the derivation the OMS answers orders.get with and history
 * keeps, so the view a callback gets is the view `getOrderStatus` would answer for the same events.
 */
import type { Bus } from '@trading-system/bus';
import {
  type GetOrderReply,
  isFinalOrderState,
  type OrderEvent,
  OrderFolds,
  type OrderView,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';

export interface OrderViewFeed {
  readonly bus: Bus;
  readonly logger: Logger;
  /** orders.get: an order first seen mid-stream is completed with its earlier events. */
  readonly getOrder: (clientOrderId: string) => Promise<Extract<GetOrderReply, { ok: true }>>;
}

/**
 * Subscribes to order events (of `broker`, or every broker) and calls `onView` with the order's folded view after
 * each event. An event of an order whose start this subscription did not see (it began before the subscription,
 * or the order was forgotten once final and a late commission report came) fetches the order's history first;
 * events of that order arriving meanwhile are folded in with it. A final order is forgotten after its callback,
 * so memory holds working orders only. Returns the function that stops it.
 */
export function followOrderViews(
  feed: OrderViewFeed,
  onView: (view: OrderView, event: OrderEvent) => void,
  broker: string | undefined,
): () => void {
  const folds = new OrderFolds();
  /** Orders whose history is being fetched, with the latest event of each received meanwhile. */
  const fetching = new Map<string, OrderEvent>();
  let stopped = false;

  const deliver = (view: OrderView | undefined, event: OrderEvent): void => {
    if (view === undefined || stopped) return;
    if (isFinalOrderState(view.state)) folds.forget(view.clientOrderId);
    onView(view, event);
  };

  const complete = (e: OrderEvent): void => {
    const id = e.clientOrderId;
    fetching.set(id, e);
    const done = (events: readonly OrderEvent[]): void => {
      const latest = fetching.get(id) ?? e;
      fetching.delete(id);
      deliver(folds.add(...events, latest)?.view, latest);
    };
    feed.getOrder(id).then(
      (r) => done(r.events ?? []),
      (err: unknown) => {
        feed.logger.warn({ err, clientOrderId: id }, 'order view: the order history was not available');
        done([]);
      },
    );
  };

  const sub = feed.bus.subscribe<OrderEvent>(Subjects.orderEvent.filter({ broker }), (m) => {
    const e = m.data;
    if (fetching.has(e.clientOrderId)) {
      folds.add(e);
      fetching.set(e.clientOrderId, e);
      return;
    }
    const known = folds.has(e.clientOrderId);
    const folded = folds.add(e);
    if (folded?.view === undefined && !known && e.seq > 1) complete(e);
    else deliver(folded?.view, e);
  });
  return () => {
    stopped = true;
    sub.unsubscribe();
  };
}
