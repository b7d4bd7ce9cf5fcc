/**
 * The order state machine of the OMS, pure. `accepted` is the contract's name for "pending new": our checks
 * passed and the order is on its way to the gateway. `pendingSubmit`: the gateway wrote it to the broker's socket
 * (it has a broker order id) but the broker has not acknowledged it; only a broker fact (open order, status,
 * execution) moves it on. The table is documented in services/orders/README.md.
 *
 * Denied ≠ rejected ≠ unresolved: denied = our checks said no (nothing sent, final); rejected = the broker said
 * no, or reconciliation established it never received the order (final); unresolved = place request sent, answer
 * lost (timeout/disconnect). Unresolved and pendingSubmit are left only by facts from the broker (events or a
 * reconciliation snapshot), never by a guess.
 */
import { type BrokerOrderState, isFinalOrderState, type OrderState, type TimeInForce } from '@trading-system/contracts';
import { InvalidTransitionError } from './errors.js';

const WORKING: readonly OrderState[] = ['pendingSubmit', 'submitted', 'partiallyFilled', 'pendingCancel'];

/** Allowed transitions: from → set of targets. A self-transition is allowed where listed (a modification). */
export const TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  // pending new: the placeOrder request is in flight (broker events may overtake its reply)
  accepted: [
    'pendingSubmit',
    'submitted',
    'partiallyFilled',
    'filled',
    'pendingCancel',
    'cancelled',
    'rejected',
    'unresolved',
  ],
  // written to the broker, not acknowledged: its acknowledgement, a fill or a refusal moves it on; reconciliation
  // rejects it when the broker never received it
  pendingSubmit: ['submitted', 'partiallyFilled', 'filled', 'pendingCancel', 'cancelled', 'expired', 'rejected'],
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
  // order to where it was (pendingSubmit / submitted / partiallyFilled).
  pendingCancel: [
    'pendingSubmit',
    'submitted',
    'partiallyFilled',
    'filled',
    'cancelled',
    'expired',
    'rejected',
    'unresolved',
  ],
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

/**
 * States whose fate only the broker can tell: the place request may not have reached it (accepted, unresolved),
 * it was written but not acknowledged (pendingSubmit), or a cancel awaits its answer (pendingCancel). While an
 * order is in one of these, its broker is reconciled periodically.
 */
export const AWAITING_BROKER: readonly OrderState[] = ['accepted', 'pendingSubmit', 'unresolved', 'pendingCancel'];

/** States in which a cancel is sent to the broker. */
export function isCancellable(s: OrderState): boolean {
  return !isFinalOrderState(s) && s !== 'pendingCancel';
}

/**
 * States in which a modification is sent: at the broker or written to it (pendingSubmit: the broker reads one
 * socket in order, so the modification follows the place; it carries the same orderRef, so even a place that got
 * lost cannot turn it into another order), not final, not pending cancel, not unresolved (no broker order id).
 */
export function isModifiable(s: OrderState): boolean {
  return s === 'pendingSubmit' || s === 'submitted' || s === 'partiallyFilled';
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
 * The OMS state a broker's order status points to, or undefined when the status says nothing new (fills are driven
 * by executions, so `filled` is only taken from executions / reconciliation, never from a status alone).
 * `hasFills` tells working-with-fills (partiallyFilled) from plain working. Every status is the broker's
 * acknowledgement that it has the order, so even `pendingSubmit` at the broker is `submitted` here (the OMS's
 * pendingSubmit means "written to the broker, not acknowledged"); `held` and `working` are both submitted.
 */
export function stateFromBrokerStatus(
  status: BrokerOrderState,
  ctx: { readonly tif: TimeInForce; readonly hasFills: boolean },
): OrderState | undefined {
  switch (status) {
    case 'pendingSubmit':
    case 'held':
    case 'working':
      return ctx.hasFills ? 'partiallyFilled' : 'submitted';
    case 'pendingCancel':
      return 'pendingCancel';
    case 'cancelled':
      // IOC/FOK remainders are cancelled by the venue: their time in force ran out (a broker may not say expired).
      return ctx.tif === 'IOC' || ctx.tif === 'FOK' ? 'expired' : 'cancelled';
    case 'expired':
      return 'expired';
    case 'rejected':
      // Refused after receipt; with fills already, the remainder is what ended.
      return ctx.hasFills ? 'cancelled' : 'rejected';
    case 'filled':
      return undefined;
  }
}

export { InvalidTransitionError };

export function assertTransition(from: OrderState, to: OrderState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}
