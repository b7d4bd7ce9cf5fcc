/**
 * Live quotes through market-data leases: `md.subscribe` opens (or renews) a lease and names the tick subject;
 * the lease is renewed at half its lifetime while the subscription lives, and released by `unsubscribe()`.
 * A failed renewal is reported to `onError` and retried at the next renewal (the line may have been lost with a
 * service restart; renewing with the same lease id re-opens it).
 */
import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@trading-system/bus';
import type { MarketDataClient } from '@trading-system/clients';
import { type InstrumentRef, type OkReplyOf, registryCodeOf, Subjects, type Tick } from '@trading-system/contracts';
import { toQuote } from './convert.js';
import { toSdkError } from './errors.js';
import type { MarketDataSubscription, Quote } from './types.js';

export interface LeaseOptions {
  readonly broker: string;
  readonly instrument: InstrumentRef;
  readonly ttlMs: number;
  readonly onError?: ((err: Error) => void) | undefined;
}

export async function openQuoteSubscription(
  bus: Bus,
  md: MarketDataClient,
  options: LeaseOptions,
  onQuote: (q: Quote) => void,
): Promise<MarketDataSubscription> {
  const leaseId = `sdk-${randomUUID()}`;
  const subscribe = async (): Promise<OkReplyOf<'md.subscribe'>> => {
    try {
      return await md.subscribe({
        v: 1,
        leaseId,
        broker: options.broker,
        instrument: options.instrument,
        ttlMs: options.ttlMs,
        streams: ['ticks'],
      });
    } catch (err) {
      throw toSdkError(err, 'market data subscription');
    }
  };
  const first = await subscribe();
  const { instrument } = first;
  const tickSubject = Subjects.mdTick.build({ broker: options.broker, instrument: String(instrument.id) });
  // The line may have opened (or been open) before this subscription reached the server, and its ticks gone by:
  // outside trading hours a line's opening batch is all there is. So the first quote is the line's cached state,
  // asked for after subscribing (the request follows the SUB on this connection, and market-data reads the
  // ticks that went by before it reads the request), unless a live tick came first; a live tick equal to the
  // cached one is then not delivered twice.
  let cached: string | undefined;
  let heard = false;
  let ended = false;
  const sub: Subscription = bus.subscribe<Tick>(tickSubject, (m) => {
    if (!heard) {
      heard = true;
      if (cached !== undefined && tickKey(m.data) === cached) return;
    }
    onQuote(toQuote(m.data, instrument.localSymbol));
  });
  md.snapshot({ v: 1, broker: options.broker, instruments: [{ id: instrument.id }], cachedOnly: true }).then(
    (r) => {
      const item = r.items[0];
      if (heard || ended || item === undefined || !item.ok) return;
      cached = tickKey(item.tick);
      onQuote(toQuote(item.tick, instrument.localSymbol));
    },
    // No cached state to start from: the first live tick is the first quote, as before.
    (err: unknown) =>
      options.onError?.(
        new Error(`the cached quote to start from was not available: ${err instanceof Error ? err.message : err}`, {
          cause: err,
        }),
      ),
  );
  const renew = setInterval(
    () => {
      subscribe().catch((err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err))));
    },
    Math.max(1_000, Math.floor(options.ttlMs / 2)),
  );
  renew.unref();
  let stopped: Promise<void> | undefined;
  return {
    instrument,
    unsubscribe() {
      ended = true;
      stopped ??= (async () => {
        clearInterval(renew);
        sub.unsubscribe();
        try {
          await md.unsubscribe({ v: 1, leaseId });
        } catch (err) {
          // An expired lease is already released: that is what unsubscribe wanted.
          if (registryCodeOf(err) === 'LEASE_NOT_FOUND') return;
          throw toSdkError(err, 'market data unsubscribe');
        }
      })();
      return stopped;
    },
  };
}

/** One tick's identity, whatever order its fields were decoded in (the same state published once). */
const tickKey = (t: Tick): string =>
  JSON.stringify([t.tsInitMs, t.tsEventMs, t.bid, t.ask, t.last, t.bidSize, t.askSize, t.lastSize, t.volume]);

/**
 * The async-iterator form: quotes are buffered (newest `bufferSize` kept: a slow consumer skips stale quotes rather
 * than growing memory) and the lease ends when the loop ends (`break`, `return`, or an exception), or when the
 * TradingSystem shuts down (the loop then simply ends).
 */
export async function* quoteIterator(
  open: (onQuote: (q: Quote) => void) => Promise<MarketDataSubscription>,
  /** Resolves when the TradingSystem shuts down: the loop then ends instead of waiting forever. */
  stopped: Promise<void>,
  bufferSize = 1_000,
): AsyncGenerator<Quote, void, undefined> {
  let ended = false;
  let wake: (() => void) | undefined;
  void stopped.then(() => {
    ended = true;
    wake?.();
  });
  const buffer: Quote[] = [];
  const subscription = await open((q) => {
    buffer.push(q);
    if (buffer.length > bufferSize) buffer.shift();
    wake?.();
  });
  try {
    while (!ended) {
      const next = buffer.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    await subscription.unsubscribe();
  }
}
