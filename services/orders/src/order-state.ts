/**
 * The order state machine of the OMS, pure. `accepted` is the contract's name for "pending new": our checks
 * passed and the order is on its way to the broker. The table is documented in services/orders/README.md.
 *
 * Denied ≠ rejected ≠ unresolved: denied = our checks said no (nothing sent, final); rejected = the broker said
 * no (final); unresolved = sent, answer lost (timeout/disconnect). Unresolved is left only by facts from the broker
 * (events or a reconciliation snapshot), never by a guess.
 */
import { type IbOrderStatus, isFinalOrderState, type OrderState, type TimeInForce } from '@trading-system/contracts';
import { InvalidTransitionError } from './errors.js';

const WORKING: readonly OrderState[] = ['submitted', 'partiallyFilled', 'pendingCancel'];

/** Allowed transitions: from → set of targets. A self-transition is allowed where listed (a modification). */
export const TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  // pending new: the placeOrder request is in flight
  accepted: ['submitted', 'partiallyFilled', 'filled', 'pendingCancel', 'cancelled', 'rejected', 'unresolved'],
  submitted: [
    'submitted',
    'partiallyFilled',
    'filled',
    'pendingCancel',
    'cancelled',
    'expired',
    'rejected',
    'unresolved',
  ],
  partiallyFilled: ['partiallyFilled', 'filled', 'pendingCancel', 'cancelled', 'expired', 'unresolved'],
  // A fill can still arrive after the cancel request (partiallyFilled / filled); a cancel that fails returns the
  // order to working (submitted / partiallyFilled).
  pendingCancel: ['submitted', 'partiallyFilled', 'filled', 'cancelled', 'expired', 'rejected', 'unresolved'],
  // Only broker facts settle it; a cancel may also be requested while unresolved.
  unresolved: ['submitted', 'partiallyFilled', 'filled', 'pendingCancel', 'cancelled', 'expired', 'rejected'],
  filled: [],
  cancelled: [],
  expired: [],
  rejected: [],
  denied: [],
};

export function canTransition(from: OrderState, to: OrderState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isWorking(s: OrderState): boolean {
  return WORKING.includes(s);
}

/** States in which a cancel is sent to the broker. */
export function isCancellable(s: OrderState): boolean {
  return !isFinalOrderState(s) && s !== 'pendingCancel';
}

/** States in which a modification is sent (not final, not pending cancel, not unresolved, already at the broker). */
export function isModifiable(s: OrderState): boolean {
  return s === 'submitted' || s === 'partiallyFilled';
}

/**
 * Whether a fill (execution) may be applied to an order in this state. Executions are facts: they are applied even
 * after a cancel was confirmed (the fill happened before the cancel took effect, reported late). Denied and rejected
 * orders never reached a working state, so an execution for them is flagged instead.
 */
export function acceptsFill(s: OrderState): boolean {
  return s !== 'denied' && s !== 'rejected';
}

/** State after a fill: filled when cumulative quantity reaches the order quantity. `cmp` = compare(cum, qty). */
export function stateAfterFill(current: OrderState, cmp: -1 | 0 | 1): OrderState {
  if (cmp >= 0) return 'filled';
  // A late fill on a cancelled/expired order does not revive it.
  if (current === 'cancelled' || current === 'expired') return current;
  // A fill while the cancel is pending keeps the cancel pending.
  if (current === 'pendingCancel') return 'pendingCancel';
  return 'partiallyFilled';
}

/**
 * The OMS state an IB order status points to, or undefined when the status says nothing new (fills are driven by
 * executions, so `Filled` is only taken from executions / reconciliation, never from orderStatus alone).
 * `hasFills` tells working-with-fills (partiallyFilled) from plain working.
 */
export function stateFromBrokerStatus(
  status: IbOrderStatus,
  ctx: { readonly tif: TimeInForce; readonly hasFills: boolean },
): OrderState | undefined {
  switch (status) {
    case 'ApiPending':
    case 'PendingSubmit':
    case 'PreSubmitted':
    case 'Submitted':
      return ctx.hasFills ? 'partiallyFilled' : 'submitted';
    case 'PendingCancel':
      return 'pendingCancel';
    case 'ApiCancelled':
    case 'Cancelled':
      // IOC/FOK remainders are cancelled by the exchange: their time in force ran out.
      return ctx.tif === 'IOC' || ctx.tif === 'FOK' ? 'expired' : 'cancelled';
    case 'Inactive':
      return ctx.hasFills ? 'cancelled' : 'rejected';
    case 'Filled':
      return undefined;
  }
}

export { InvalidTransitionError };

export function assertTransition(from: OrderState, to: OrderState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}
