import { z } from 'zod';

/**
 * The ONE registry of error codes that cross process boundaries. Replies carry `{ ok: false, code, message }`;
 * `code` is always a key of this table. `hint` tells a caller (human or program) what to do next; `retryable`
 * says whether the same request may succeed later unchanged (after the hinted wait or reconnect).
 * Codes are never renamed or removed; add new ones at the end of their group.
 */
export interface ErrorInfo {
  readonly description: string;
  readonly hint: string;
  readonly retryable: boolean;
}

export const errorRegistry = {
  // Generic / transport
  VALIDATION_FAILED: {
    description: 'The request or a value in it does not satisfy its schema or a field rule.',
    hint: 'Fix the fields named in the message (see docs/schemas/) and send again; retrying unchanged fails again.',
    retryable: false,
  },
  INVALID_MESSAGE: {
    description: 'The payload is not JSON, has no `v`, or has an unsupported version.',
    hint: 'Send UTF-8 JSON with `"v": 1` matching the schema for the subject (docs/subjects.md).',
    retryable: false,
  },
  INVALID_SUBJECT_TOKEN: {
    description: 'A subject token is empty or contains `.`, `*`, `>` or whitespace.',
    hint: 'Use dot-free identifiers: broker names like `ib_paper`, instruments by their instrument id.',
    retryable: false,
  },
  NOT_FOUND: {
    description: 'The requested object does not exist.',
    hint: 'Check the identifier; list the collection to see what exists.',
    retryable: false,
  },
  TIMEOUT: {
    description: 'No reply arrived within the deadline; the request may or may not have been carried out.',
    hint: 'Query the state (e.g. orders.get) before retrying anything that acts; retry reads freely.',
    retryable: true,
  },
  NO_RESPONDERS: {
    description: 'Nothing is subscribed to the request subject: the service is not running or not connected.',
    hint: 'Start the service (or the broker connection) that answers this subject, then retry.',
    retryable: true,
  },
  PAYLOAD_TOO_LARGE: {
    description: 'The message would exceed the NATS maximum payload (1 MB by default).',
    hint: 'Narrow the request (shorter range, fewer instruments) or use the chunked variant.',
    retryable: false,
  },
  SERVICE_UNAVAILABLE: {
    description: 'The service is starting, stopping or recovering and does not accept this request now.',
    hint: 'Retry after a short wait (a second or two).',
    retryable: true,
  },
  INTERNAL_ERROR: {
    description: 'An unexpected failure inside the service; details are in its logs.',
    hint: 'Report it with the time and request; reads may be retried, actions only after checking state.',
    retryable: false,
  },
  PERMISSION_DENIED: {
    description:
      'The NATS user this client is connected as may not publish or subscribe on this subject (the permission ' +
      'matrix of infra/nats/permissions.ts); nothing was sent.',
    hint: 'Connect as a user allowed to (operators change trading state, risk limits, brokers and streams: see the README, "Users and permissions"), or ask an operator.',
    retryable: false,
  },
  // Brokers and gateways
  BROKER_UNKNOWN: {
    description: 'No broker connection with this name is configured.',
    hint: 'List brokers with `gateway.<type>.cmd.listBrokers` or add one with `addBroker`.',
    retryable: false,
  },
  BROKER_TYPE_UNKNOWN: {
    description: 'No broker type of this name is known: addBroker names the type its connection settings are for.',
    hint: 'Use one of the known broker types (details.known; contracts BROKER_TYPES), e.g. addBroker(name, "ib", {...}).',
    retryable: false,
  },
  BROKER_EXISTS: {
    description: 'A broker connection with this name already exists.',
    hint: 'Pick another name, or remove the existing one first.',
    retryable: false,
  },
  BROKER_DISCONNECTED: {
    description: "The broker connection is down (its session closed, or the broker's own link lost).",
    hint: 'Wait for `broker.<name>.status` to report connected, then retry.',
    retryable: true,
  },
  BROKER_UNREACHABLE: {
    description:
      'Nothing answers where the connection given to addBroker points (no broker, gateway or simulator runs at that ' +
      "address, or it refuses connections), as the broker type's gateway found before any session. Nothing was added.",
    hint:
      "Start what the message names at that address (the broker type's gateway says what: for `ib` TWS / IB Gateway " +
      'with the API enabled, or ib-sim), or trade on the built-in paper broker `sim`.',
    retryable: true,
  },
  ACCOUNT_UNKNOWN: {
    description: 'The account is not managed by this broker connection.',
    hint: 'Use one of the accounts listed in the broker status / listBrokers reply.',
    retryable: false,
  },
  CONTRACT_AMBIGUOUS: {
    description: 'The instrument description matches more than one contract.',
    hint: 'Add exchange, currency, expiry, strike, right or tradingClass, or use the id of one of the candidates.',
    retryable: false,
  },
  CONTRACT_UNKNOWN: {
    description: 'No contract matches the instrument description or instrument id (IB error 200).',
    hint: 'Check symbol, secType, exchange and currency; qualify with broker.<name>.cmd.qualifyContract.',
    retryable: false,
  },
  MARKET_DATA_NOT_PERMITTED: {
    description: 'The account has no market-data subscription for this instrument (IB 354/10167).',
    hint: 'Subscribe to the data at the broker, or accept delayed data.',
    retryable: false,
  },
  LINE_BUDGET_EXHAUSTED: {
    description: 'All market-data lines of the broker account are in use.',
    hint: 'Release leases you no longer need (md.unsubscribe) or wait for idle ones to expire.',
    retryable: true,
  },
  LEASE_NOT_FOUND: {
    description: 'The market-data lease id is unknown or has expired.',
    hint: 'Subscribe again with md.subscribe; renew leases before ttlMs elapses.',
    retryable: false,
  },
  PACING_VIOLATION: {
    description: 'The broker refused a historical request for pacing (IB 162/366) or our pacing queue is full.',
    hint: 'Retry after the delay given in details.retryAfterMs, or request a larger bar size / shorter range.',
    retryable: true,
  },
  HISTORY_PARTIAL: {
    description: 'Only part of the requested history could be fetched; missing ranges are listed.',
    hint: 'Use the bars you got; request the missing ranges again later.',
    retryable: true,
  },
  HISTORY_NO_DATA: {
    description: 'The broker has no data for this instrument and range (IB 162 "HMDS query returned no data").',
    hint: "Check the range against trading hours and the instrument's listing dates.",
    retryable: false,
  },
  HISTORY_DATA_TYPE_REFUSED: {
    description:
      'The broker has no historical data of the requested whatToShow for this instrument (IB 162 "No historical market data for …": forex and spot metals have no TRADES).',
    hint: "Ask for one of the types in details.supported (forex and metals: MIDPOINT, BID, ASK, BID_ASK), or leave whatToShow out for the instrument's default.",
    retryable: false,
  },
  HISTORY_BEYOND_LOOKBACK: {
    description:
      'This part of the range is older than the broker keeps bars of the size it is built from (its announced capabilities.history maxLookbackMs, e.g. IB: bars of 30 s and less for about six months), and the broker did not serve it.',
    hint: 'Ask for a bar size the broker keeps longer (a larger one), or a range after the oldest time the message names; bars cached before they aged out are still served.',
    retryable: false,
  },
  BROKER_BUSY: {
    description:
      'The gateway could not write the order command to the broker within its queue budget (IB takes about 50 messages/s per connection): nothing was sent.',
    hint: 'Nothing reached the broker. Retry after details.retryAfterMs, and keep the order rate below what the broker accepts.',
    retryable: true,
  },
  BROKER_ORDER_MISMATCH: {
    description:
      'The broker order with this orderId is not the order named by clientOrderId (its orderRef differs), or the broker has no open order with this orderId placed by this connection: nothing was sent.',
    hint: "Never resend by orderId alone: reconcile (broker.<name>.cmd.reconcile) to learn the order's fate at the broker, then act on what it shows (details.reason says which case).",
    retryable: false,
  },
  BROKER_CAPABILITIES_UNKNOWN: {
    description:
      'The broker has not announced its capabilities (its gateway predates them, or no status has arrived yet), so the OMS cannot tell whether it takes the order: nothing was sent.',
    hint: 'Wait for `broker.<name>.status` to carry `capabilities` (upgrade the gateway if it never does), then retry.',
    retryable: true,
  },
  // Orders: intake
  DUPLICATE_ORDER: {
    description: 'An order with this clientOrderId already exists with different content.',
    hint: 'Use a new clientOrderId for a new order; resending the same order returns the original reply.',
    retryable: false,
  },
  ORDER_NOT_FOUND: {
    description: 'No order with this clientOrderId is known to the OMS.',
    hint: 'Check the id; orders.list shows known orders.',
    retryable: false,
  },
  ORDER_NOT_CANCELLABLE: {
    description: 'The order is already in a final state (filled, cancelled, rejected, expired, denied).',
    hint: 'Nothing to do; read its final state with orders.get.',
    retryable: false,
  },
  ORDER_NOT_MODIFIABLE: {
    description: 'The order cannot be modified in its current state (final, pending cancel or unresolved).',
    hint: 'Wait for it to settle, or cancel and submit a new order.',
    retryable: false,
  },
  ORDER_TYPE_UNSUPPORTED: {
    description:
      'The broker does not take this order: its order type, its time-in-force for that type, the outside-RTH flag for that type or a fractional quantity is not among the capabilities the broker announces (details say which rule). Nothing was sent.',
    hint: "Read the broker's capabilities (`broker.<name>.status` → capabilities) and use an order type, TIF and quantity it takes.",
    retryable: false,
  },
  PRICE_NOT_ON_TICK: {
    description: "A limit or stop price is not a whole multiple of the instrument's minimum tick.",
    hint: 'Round the price to the tick size in the instrument (minTick).',
    retryable: false,
  },
  ORDER_REJECTED: {
    description: "The broker rejected the order; details.brokerCode holds the broker's error code.",
    hint: 'Read the broker message; fix the order (price, size, permissions) and submit a new one.',
    retryable: false,
  },
  NEVER_REACHED_BROKER: {
    description:
      'Reconciliation established that the broker never received the order: a broker snapshot taken after its place request ended holds neither the order nor an execution of it. The order is rejected (final) with this reasonCode.',
    hint: 'Nothing was traded. Submit it again under a NEW clientOrderId if it is still wanted.',
    retryable: false,
  },
  ORDER_ASSET_CLASS_UNSUPPORTED: {
    description:
      "The broker does not trade the instrument's asset class (secType), per the capabilities it announces (indices are quoted, never traded). Nothing was sent.",
    hint: 'Route the order to a broker whose capabilities list the asset class (`broker.<name>.status` → capabilities.assetClasses).',
    retryable: false,
  },
  ORDER_MODIFY_UNSUPPORTED: {
    description:
      'The broker does not modify working orders (its capabilities announce modify: false). Nothing was sent.',
    hint: 'Cancel the order and submit a new one with the new terms.',
    retryable: false,
  },
  // Orders: risk and trading state (an order refused with one of these was DENIED: nothing reached the broker)
  RISK_MAX_QUANTITY: {
    description: 'The order quantity exceeds the per-order maximum.',
    hint: 'Split the order or ask an operator to raise the limit (orders.riskLimits).',
    retryable: false,
  },
  RISK_MAX_NOTIONAL: {
    description: 'Price × quantity × multiplier exceeds the per-order notional maximum.',
    hint: 'Reduce size, or ask an operator to raise the limit.',
    retryable: false,
  },
  RISK_MAX_POSITION: {
    description: 'The order would take the position beyond its maximum.',
    hint: 'Reduce size, or close part of the position first.',
    retryable: false,
  },
  RISK_PRICE_COLLAR: {
    description: 'The limit/stop price is too far from the reference price (last/mid).',
    hint: 'Price closer to the market, or check that market data is current.',
    retryable: false,
  },
  RISK_NO_REFERENCE_PRICE: {
    description: 'The price collar needs a current quote and there is none (no subscription or stale).',
    hint: 'Subscribe to market data for the instrument (md.subscribe) and retry.',
    retryable: true,
  },
  RISK_MAX_OPEN_ORDERS: {
    description: 'The number of open orders reached its maximum.',
    hint: 'Cancel or wait for open orders to complete.',
    retryable: true,
  },
  RISK_RATE_LIMIT: {
    description: 'Too many order commands per second.',
    hint: 'Slow down; retry after details.retryAfterMs.',
    retryable: true,
  },
  TRADING_HALTED: {
    description: 'Trading is halted by an operator or a kill switch; no new orders or modifications are accepted.',
    hint: 'Cancels are still accepted. Ask an operator to set orders.tradingState back to active.',
    retryable: false,
  },
  TRADING_REDUCING_ONLY: {
    description: 'Trading is reducing-only: orders that would open or increase a position are refused.',
    hint: 'Only send orders that reduce an existing position, or ask an operator to set the state to active.',
    retryable: false,
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof errorRegistry;
export const ERROR_CODES = Object.keys(errorRegistry) as [ErrorCode, ...ErrorCode[]];
export const ErrorCodeSchema = z.enum(ERROR_CODES).meta({ description: 'Error code from the registry (errors.ts)' });

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(errorRegistry, s);
}

export function describeError(code: ErrorCode): ErrorInfo {
  return errorRegistry[code];
}

/** JSON-safe extra facts of an error (issues, retryAfterMs, brokerCode, candidates, ...). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * A typed error for local throwing. Handlers convert it to an error reply (`toReply()`); clients rebuild it from a
 * reply (`ContractError.fromReply`). Subclasses keep `code` from the registry.
 */
export class ContractError extends Error {
  override readonly name: string = 'ContractError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: ErrorDetails }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  get retryable(): boolean {
    return errorRegistry[this.code].retryable;
  }

  get hint(): string {
    return errorRegistry[this.code].hint;
  }

  toReply(): ErrorReply {
    return errorReply(this.code, this.message, this.details);
  }

  static fromReply(reply: ErrorReply): ContractError {
    return new ContractError(reply.code, reply.message, reply.details === undefined ? {} : { details: reply.details });
  }
}

/** Error reply, the `ok: false` arm of every reply schema (see `okReply`). */
export const ErrorReply = z.object({
  v: z.literal(1),
  ok: z.literal(false),
  code: ErrorCodeSchema,
  /** Human-readable explanation for this occurrence (the registry's description is the general one). */
  message: z.string(),
  /** Optional machine-readable facts: `issues` (validation), `retryAfterMs`, `brokerCode`, `candidates`, ... */
  details: z.record(z.string(), z.unknown()).optional(),
  /**
   * What to do next: the registry's hint for `code` (added in v1; replies of older services lack it). Carried on
   * the wire so a client in any language can show it without a copy of the registry.
   */
  hint: z.string().max(1024).optional(),
});
export type ErrorReply = z.infer<typeof ErrorReply>;

/** An error reply with the registry's hint for `code`. */
export function errorReply(code: ErrorCode, message: string, details?: ErrorDetails): ErrorReply {
  const hint = errorRegistry[code].hint;
  return details === undefined
    ? { v: 1, ok: false, code, message, hint }
    : { v: 1, ok: false, code, message, details, hint };
}

/**
 * The registry code an error carries (a ContractError, or any error with a `code` property naming a registry
 * code, e.g. a storage error marked SERVICE_UNAVAILABLE), or undefined. Node's own codes (`ECONNRESET`) are not
 * registry codes.
 */
export function registryCodeOf(err: unknown): ErrorCode | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && isErrorCode(code) ? code : undefined;
}

/**
 * The error reply for a thrown error that carries a registry code (its message and, when they are a plain object,
 * its `details`), or undefined for any other error.
 */
export function errorReplyOf(err: unknown): ErrorReply | undefined {
  const code = registryCodeOf(err);
  if (code === undefined) return undefined;
  const message = err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? code);
  const details = (err as { details?: unknown }).details;
  const plain = typeof details === 'object' && details !== null && !Array.isArray(details);
  return errorReply(code, message, plain ? (details as ErrorDetails) : undefined);
}

/**
 * Builds a reply schema: `{ v: 1, ok: true, ...shape } | ErrorReply`, discriminated on `ok`.
 * Example: `export const GetOrderReply = okReply({ order: OrderView })`.
 */
export function okReply<S extends z.ZodRawShape>(shape: S) {
  return z.discriminatedUnion('ok', [z.object({ v: z.literal(1), ok: z.literal(true), ...shape }), ErrorReply]);
}

/** Converts zod issues into a VALIDATION_FAILED error with `details.issues` as `{ path, message }[]`. */
export function validationError(error: z.ZodError, what = 'message'): ContractError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new ContractError('VALIDATION_FAILED', `invalid ${what}: ${summary}`, { cause: error, details: { issues } });
}

/** Parses or throws ContractError (VALIDATION_FAILED) naming every failing field; for senders and handlers. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'message'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, what);
  return r.data;
}

/** The ok payload of a reply, or throws the error reply as a ContractError (for clients and the SDK). */
export function unwrapReply<T extends { ok: boolean }>(reply: T): Extract<T, { ok: true }> {
  if (reply.ok) return reply as Extract<T, { ok: true }>;
  throw ContractError.fromReply(reply as unknown as ErrorReply);
}
