/**
 * Our narrow port onto Alpaca: the few Trading API v2 and Market Data API v2 calls the gateway makes, typed by
 * wire.ts, over plain `fetch`. Why not Alpaca's SDK: a small surface we type and control, tested against
 * alpaca-sim over real sockets, and no retries hidden from us — an order request is sent once, and every request
 * waits for the governor (Alpaca's per-minute budget) before it leaves, so a 429 is the exception, not the rule.
 *
 * Errors are typed (`AlpacaApiError` with the HTTP status and Alpaca's 8-digit code; `AlpacaUnreachable` when no
 * answer came). Keys travel only in the request headers; they are never logged or put in an error message.
 */
import type { z } from 'zod';
import type { RequestGovernor } from './governor.js';
import {
  AlpacaAccount,
  AlpacaAsset,
  type AlpacaBar,
  AlpacaBarsPage,
  AlpacaClock,
  AlpacaCryptoBarsPage,
  AlpacaErrorBody,
  AlpacaLatestCryptoQuotes,
  AlpacaLatestQuote,
  AlpacaOrder,
  AlpacaPosition,
  type AlpacaQuote,
} from './wire.js';

export interface AlpacaKeys {
  readonly keyId: string;
  readonly secretKey: string;
}

/** An order as the Trading API takes it (POST /v2/orders). */
export interface AlpacaOrderRequest {
  readonly symbol: string;
  readonly qty: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit' | 'stop' | 'stop_limit';
  readonly time_in_force: 'day' | 'gtc' | 'ioc' | 'fok';
  readonly limit_price?: string;
  readonly stop_price?: string;
  readonly extended_hours?: boolean;
  readonly client_order_id: string;
}

/** A replacement (PATCH /v2/orders/{id}). */
export interface AlpacaReplaceRequest {
  readonly qty?: string;
  readonly time_in_force?: AlpacaOrderRequest['time_in_force'];
  readonly limit_price?: string;
  readonly stop_price?: string;
  readonly client_order_id?: string;
}

/** Alpaca's asset classes the gateway trades: US stocks and crypto pairs (`BTC/USD`). */
export type AssetClass = 'us_equity' | 'crypto';

export interface OrdersQuery {
  readonly status: 'open' | 'closed' | 'all';
  readonly after?: string;
  readonly until?: string;
  readonly limit?: number;
}

export interface AlpacaPort {
  account(): Promise<AlpacaAccount>;
  positions(): Promise<AlpacaPosition[]>;
  /** Active assets of one class (Alpaca lists us_equity when no class is asked for). */
  assets(assetClass: AssetClass): Promise<AlpacaAsset[]>;
  /**
   * GET /v2/orders, newest first: at most `limit` (Alpaca's maximum 500) orders submitted after `after` and before
   * `until` (both exclusive, RFC 3339).
   */
  orders(q: OrdersQuery): Promise<AlpacaOrder[]>;
  order(id: string): Promise<AlpacaOrder>;
  orderByClientId(clientOrderId: string): Promise<AlpacaOrder>;
  placeOrder(o: AlpacaOrderRequest): Promise<AlpacaOrder>;
  replaceOrder(id: string, r: AlpacaReplaceRequest): Promise<AlpacaOrder>;
  cancelOrder(id: string): Promise<void>;
  cancelAll(): Promise<void>;
  latestQuote(symbol: string, feed: string): Promise<AlpacaQuote>;
  /** The latest quote of a crypto pair (`BTC/USD`), from the crypto data API (no feed: one US crypto venue). */
  latestCryptoQuote(symbol: string): Promise<AlpacaQuote>;
  /** One page of bars (Alpaca's `timeframe` spelling, RFC 3339 times); `next` continues it. */
  bars(
    symbol: string,
    q: { timeframe: string; start: string; end: string; feed: string; limit: number; pageToken?: string },
  ): Promise<{ bars: AlpacaBar[]; next: string | undefined }>;
  /**
   * One page of a crypto pair's bars from the crypto data API (GET /v1beta3/crypto/us/bars; no feed, no
   * adjustment: one US crypto venue, no corporate actions); trades around the clock, weekends included.
   */
  cryptoBars(
    symbol: string,
    q: { timeframe: string; start: string; end: string; limit: number; pageToken?: string },
  ): Promise<{ bars: AlpacaBar[]; next: string | undefined }>;
  /** The broker's time (its clock, not ours: alpaca-sim's runs in the past). */
  clock(): Promise<{ nowMs: number; isOpen: boolean }>;
}

/** Alpaca answered with an error status. */
export class AlpacaApiError extends Error {
  override readonly name = 'AlpacaApiError';
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
    /** For a 429: when the budget resets, epoch ms (X-RateLimit-Reset). */
    readonly resetAtMs?: number,
  ) {
    super(message);
  }
}

/** No answer from Alpaca (connection refused or cut, timeout): whether the request took effect is unknown. */
export class AlpacaUnreachable extends Error {
  override readonly name = 'AlpacaUnreachable';
}

export interface HttpPortOptions {
  readonly tradingUrl: string;
  readonly dataUrl: string;
  readonly keys: AlpacaKeys;
  readonly governor: RequestGovernor;
  /** Per-request timeout, ms (default 10 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AlpacaHttpPort implements AlpacaPort {
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly o: HttpPortOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Waits for the governor, in arrival order, and takes a slot. */
  private turn(): Promise<void> {
    const mine = this.queue.then(async () => {
      for (let wait = this.o.governor.delayMs(this.now()); wait > 0; wait = this.o.governor.delayMs(this.now()))
        await sleep(wait);
      this.o.governor.record(this.now());
    });
    this.queue = mine.catch(() => undefined);
    return mine;
  }

  private async call<T>(
    host: 'trading' | 'data',
    method: string,
    path: string,
    schema: z.ZodType<T> | undefined,
    body?: unknown,
  ): Promise<T> {
    await this.turn();
    const base = host === 'trading' ? this.o.tradingUrl : this.o.dataUrl;
    let res: Response;
    try {
      res = await fetch(new URL(path, base), {
        method,
        headers: {
          'APCA-API-KEY-ID': this.o.keys.keyId,
          'APCA-API-SECRET-KEY': this.o.keys.secretKey,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new AlpacaUnreachable(`${method} ${path}: no answer (${(err as Error).message})`, { cause: err });
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      let parsed: z.infer<typeof AlpacaErrorBody> = {};
      try {
        parsed = AlpacaErrorBody.parse(JSON.parse(text));
      } catch {
        // Not Alpaca's JSON (a proxy's page): the status says enough.
      }
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      const resetAtMs = res.status === 429 && Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
      if (resetAtMs !== undefined) this.o.governor.blockUntil(resetAtMs);
      throw new AlpacaApiError(
        res.status,
        parsed.code,
        `${method} ${path}: ${res.status} ${parsed.message ?? res.statusText}`,
        resetAtMs,
      );
    }
    if (schema === undefined) return undefined as T;
    return schema.parse(text === '' ? null : JSON.parse(text));
  }

  account() {
    return this.call('trading', 'GET', '/v2/account', AlpacaAccount);
  }
  positions() {
    return this.call('trading', 'GET', '/v2/positions', AlpacaPosition.array());
  }
  assets(assetClass: AssetClass) {
    const p = new URLSearchParams({ status: 'active', asset_class: assetClass });
    return this.call('trading', 'GET', `/v2/assets?${p}`, AlpacaAsset.array());
  }
  orders(q: OrdersQuery) {
    const p = new URLSearchParams({ status: q.status, limit: String(q.limit ?? 500), direction: 'desc' });
    if (q.after !== undefined) p.set('after', q.after);
    if (q.until !== undefined) p.set('until', q.until);
    return this.call('trading', 'GET', `/v2/orders?${p}`, AlpacaOrder.array());
  }
  order(id: string) {
    return this.call('trading', 'GET', `/v2/orders/${encodeURIComponent(id)}`, AlpacaOrder);
  }
  orderByClientId(clientOrderId: string) {
    const p = new URLSearchParams({ client_order_id: clientOrderId });
    return this.call('trading', 'GET', `/v2/orders:by_client_order_id?${p}`, AlpacaOrder);
  }
  placeOrder(o: AlpacaOrderRequest) {
    return this.call('trading', 'POST', '/v2/orders', AlpacaOrder, o);
  }
  replaceOrder(id: string, r: AlpacaReplaceRequest) {
    return this.call('trading', 'PATCH', `/v2/orders/${encodeURIComponent(id)}`, AlpacaOrder, r);
  }
  cancelOrder(id: string) {
    return this.call<void>('trading', 'DELETE', `/v2/orders/${encodeURIComponent(id)}`, undefined);
  }
  cancelAll() {
    return this.call<void>('trading', 'DELETE', '/v2/orders', undefined);
  }
  async latestQuote(symbol: string, feed: string) {
    const p = new URLSearchParams({ feed });
    const r = await this.call(
      'data',
      'GET',
      `/v2/stocks/${encodeURIComponent(symbol)}/quotes/latest?${p}`,
      AlpacaLatestQuote,
    );
    return r.quote;
  }

  async latestCryptoQuote(symbol: string) {
    const p = new URLSearchParams({ symbols: symbol });
    const r = await this.call('data', 'GET', `/v1beta3/crypto/us/latest/quotes?${p}`, AlpacaLatestCryptoQuotes);
    const q = r.quotes[symbol];
    if (q === undefined) throw new AlpacaApiError(404, undefined, `no latest quote of ${symbol}`);
    return q;
  }

  async bars(
    symbol: string,
    q: { timeframe: string; start: string; end: string; feed: string; limit: number; pageToken?: string },
  ) {
    const p = new URLSearchParams({
      timeframe: q.timeframe,
      start: q.start,
      end: q.end,
      feed: q.feed,
      limit: String(q.limit),
      adjustment: 'raw',
    });
    if (q.pageToken !== undefined) p.set('page_token', q.pageToken);
    const r = await this.call('data', 'GET', `/v2/stocks/${encodeURIComponent(symbol)}/bars?${p}`, AlpacaBarsPage);
    return { bars: r.bars ?? [], next: r.next_page_token ?? undefined };
  }
  async cryptoBars(
    symbol: string,
    q: { timeframe: string; start: string; end: string; limit: number; pageToken?: string },
  ) {
    const p = new URLSearchParams({
      symbols: symbol,
      timeframe: q.timeframe,
      start: q.start,
      end: q.end,
      limit: String(q.limit),
    });
    if (q.pageToken !== undefined) p.set('page_token', q.pageToken);
    const r = await this.call('data', 'GET', `/v1beta3/crypto/us/bars?${p}`, AlpacaCryptoBarsPage);
    return { bars: r.bars?.[symbol] ?? [], next: r.next_page_token ?? undefined };
  }
  async clock() {
    const r = await this.call('trading', 'GET', '/v2/clock', AlpacaClock);
    return { nowMs: Date.parse(r.timestamp), isOpen: r.is_open };
  }
}
