/** Error classes of the orders service (across processes errors travel as `{ ok: false, code }` data). */
import type { OrderState } from '@trading-system/contracts';

/** A state change the transition table does not allow (a bug or a broker fact out of order). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  constructor(
    readonly from: OrderState,
    readonly to: OrderState,
  ) {
    super(`order state ${from} → ${to} is not allowed`);
  }
}

/** An order expected in the ledger is not there. */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';
  constructor(readonly clientOrderId: string) {
    super(`order ${clientOrderId} is not in the ledger`);
  }
}

/** A commission report arrived before its execution was applied: the message is redelivered later. */
export class CommissionBeforeFillError extends Error {
  override readonly name = 'CommissionBeforeFillError';
}
