/**
 * Knowing when an order message has really been written: @stoqey/ib queues what it is given (a command buffer
 * paused until nextValidId, a rate limiter) and reports each write to the socket with its `sent` event. The port
 * resolves an order message's promise on that event, and rejects it when the library refused to encode it or the
 * session closed first.
 */
import { MIN_SERVER_VER } from '@stoqey/ib';

/** An order message that was not written to the socket. `code` is the IB code when the library gave one. */
export class IbWriteError extends Error {
  override readonly name = 'IbWriteError';
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
  }
}

export type OrderMessageKind = 'place' | 'cancel';

/**
 * Which order message a `sent` event of @stoqey/ib carries (pure): placeOrder is `3|[version|]orderId|…`
 * (no version field from ORDER_CONTAINER), cancelOrder `4|[version|]orderId|…` (none from CME_TAGGING_FIELDS).
 */
export function writtenOrderMessage(
  tokens: readonly unknown[],
  serverVersion: number,
): { kind: OrderMessageKind; orderId: number } | undefined {
  const msg = Number(tokens[0]);
  let kind: OrderMessageKind;
  let at: number;
  if (msg === 3) {
    kind = 'place';
    at = serverVersion >= MIN_SERVER_VER.ORDER_CONTAINER ? 1 : 2;
  } else if (msg === 4) {
    kind = 'cancel';
    at = serverVersion >= MIN_SERVER_VER.CME_TAGGING_FIELDS ? 1 : 2;
  } else return undefined;
  const orderId = Number(tokens[at]);
  return Number.isInteger(orderId) ? { kind, orderId } : undefined;
}

/** Order messages waiting for their `sent` event, by `<kind>:<orderId>`. */
export class PendingWrites {
  private readonly waiting = new Map<string, Array<{ resolve(): void; reject(err: Error): void }>>();

  expect(kind: OrderMessageKind, orderId: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${kind}:${orderId}`;
      const list = this.waiting.get(key) ?? [];
      list.push({ resolve, reject });
      this.waiting.set(key, list);
    });
  }

  /** A `sent` event: the order message it carries, if any, is on the socket. */
  sent(tokens: readonly unknown[], serverVersion: number): void {
    const w = writtenOrderMessage(tokens, serverVersion);
    if (w !== undefined) this.written(w.kind, w.orderId);
  }

  private written(kind: OrderMessageKind, orderId: number): void {
    const key = `${kind}:${orderId}`;
    const first = this.waiting.get(key)?.shift();
    if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
    first?.resolve();
  }

  /** The library refused to encode the message it was just given (an error for its orderId during the call). */
  refused(kind: OrderMessageKind, orderId: number, code: number, message: string): void {
    const key = `${kind}:${orderId}`;
    const last = this.waiting.get(key)?.pop();
    if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
    last?.reject(new IbWriteError(`IB ${code}: ${message}`, code));
  }

  failAll(reason: string): void {
    const all = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const w of all) w.reject(new IbWriteError(reason, undefined));
  }
}
