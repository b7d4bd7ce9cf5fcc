/**
 * TWS order-related error codes and wire texts (spec §4.1), and the core's own error classes. Texts are built
 * here only, so the wire front sends exactly what TWS sends.
 */

export interface TwsNotice {
  readonly code: number;
  readonly message: string;
}

export const ORDER_ERRORS = {
  duplicateOrderId: (): TwsNotice => ({ code: 103, message: 'Duplicate order id' }),
  cantModifyFilled: (): TwsNotice => ({ code: 104, message: "Can't modify a filled order" }),
  modifyMismatch: (): TwsNotice => ({ code: 105, message: 'Order being modified does not match original order' }),
  priceVariation: (): TwsNotice => ({
    code: 110,
    message: 'The price does not conform to the minimum price variation for this contract.',
  }),
  noSecurityDefinition: (): TwsNotice => ({
    code: 200,
    message: 'No security definition has been found for the request',
  }),
  rejected: (reason: string): TwsNotice => ({ code: 201, message: `Order rejected - reason:${reason}` }),
  canceled: (reason = ''): TwsNotice => ({ code: 202, message: `Order Canceled - reason:${reason}` }),
  /** 321: the two letters are an obfuscated TWS class name; the sim uses the same pair everywhere. */
  validation: (cause: string): TwsNotice => ({
    code: 321,
    message: `Error validating request.-'bM' : cause - ${cause}`,
  }),
  zeroSize: (): TwsNotice => ({ code: 434, message: 'The order size cannot be zero.' }),
  cancelNotFound: (orderId: number): TwsNotice => ({
    code: 10147,
    message: `OrderId ${orderId} that needs to be cancelled is not found.`,
  }),
  cancelNotCancellable: (orderId: number, state: string): TwsNotice => ({
    code: 10148,
    message: `OrderId ${orderId} that needs to be cancelled cannot be cancelled, state: ${state}.`,
  }),
} as const;

/** Reason texts of 201 rejections. */
export const REJECT_REASONS = {
  notTradable: (secType: string) => `${secType} contracts cannot be traded.`,
  insufficientFunds:
    'YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE MUST EXCEED THE INITIAL MARGIN.',
  quantityBelowFilled: 'The order quantity cannot be less than the quantity already filled.',
} as const;

export class ExchangeStateError extends Error {
  override readonly name = 'ExchangeStateError';
}

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/** A snapshot (from a state file or a caller) that does not match the snapshot schema. */
export class InvalidSnapshotError extends Error {
  override readonly name = 'InvalidSnapshotError';
}
