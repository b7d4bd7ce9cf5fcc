/**
 * Reading the broker status an order event recorded (OrderStatusChanged.brokerStatus) in any vocabulary it was
 * ever written in. Until the broker-neutral contract the OMS recorded IB's own words there (the only broker then),
 * and our own note `cancel refused: <code>` when a cancel went nowhere; since, it records a BrokerOrderState (and
 * the note moved to `reason`). Stored history cannot be rewritten into the new words: the OMS's order_events are
 * append-only (a trigger refuses UPDATE: the audit trail is the point), and the ORDERS JetStream stream that history
 * replays on a rebuild is immutable. So readers accept the old words forever, and this file is the one place that
 * knows them. The list is frozen: nothing writes these words any more, and a new broker never adds here. The same
 * holds for broker order ids, recorded as IB's integers until then and strings since (contracts BrokerOrderId).
 */
import { BrokerOrderState } from './broker-events.js';

const LEGACY_WORDS: Readonly<Record<string, BrokerOrderState>> = {
  ApiPending: 'pendingSubmit',
  PendingSubmit: 'pendingSubmit',
  PendingCancel: 'pendingCancel',
  PreSubmitted: 'held',
  Submitted: 'working',
  ApiCancelled: 'cancelled',
  Cancelled: 'cancelled',
  Filled: 'filled',
  Inactive: 'rejected',
};

/**
 * The domain's word for a recorded broker status, whichever vocabulary recorded it; undefined for text that is no
 * broker status (an older event's `cancel refused: <code>` note).
 */
export function brokerOrderStateOf(recorded: string): BrokerOrderState | undefined {
  const current = BrokerOrderState.safeParse(recorded);
  if (current.success) return current.data;
  return Object.hasOwn(LEGACY_WORDS, recorded) ? LEGACY_WORDS[recorded] : undefined;
}

/** A broker order id recorded as IB's integer (before the broker-neutral contract), as the string it is now. */
const idNow = (v: unknown): unknown => (typeof v === 'number' ? String(v) : v);

/**
 * An order event as the current contract words it: a statusChanged recorded with a legacy word carries the
 * BrokerOrderState instead, an older `cancel refused` note moves to `reason`, and broker order ids recorded as IB's
 * integers (`brokerOrderId`, `permId` of status changes and fills) are their decimal strings. Other events are
 * returned as they are. Readers that hand stored events out or fold them without parsing them again (orders.get,
 * history's audit queries and read model) pass them through this, so their callers see one vocabulary.
 */
export function inCurrentWords<
  E extends { kind: string; brokerStatus?: string; reason?: string; brokerOrderId?: unknown; permId?: unknown },
>(recorded: E): E {
  let e = recorded;
  if (typeof recorded.brokerOrderId === 'number' || typeof recorded.permId === 'number') {
    const { brokerOrderId, permId, ...rest } = recorded;
    e = {
      ...rest,
      ...(brokerOrderId === undefined ? {} : { brokerOrderId: idNow(brokerOrderId) }),
      ...(permId === undefined ? {} : { permId: idNow(permId) }),
    } as E;
  }
  if (e.kind !== 'statusChanged' || e.brokerStatus === undefined) return e;
  const state = brokerOrderStateOf(e.brokerStatus);
  if (state === e.brokerStatus) return e;
  const { brokerStatus, ...rest } = e;
  return (state === undefined ? { ...rest, reason: e.reason ?? brokerStatus } : { ...rest, brokerStatus: state }) as E;
}
