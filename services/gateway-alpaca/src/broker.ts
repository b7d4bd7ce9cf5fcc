/**
 * One hosted Alpaca broker connection: the `broker.<name>.cmd.*` handlers (parse → port → reply), the
 * `trade_updates` stream turned into broker events, and its status. It is `connected` while the stream is
 * authorized and listening and the catch-up after it is done; `disconnected` otherwise (commands that need Alpaca
 * are refused with BROKER_DISCONNECTED, nothing sent).
 *
 * Alpaca does not replay trade_updates after a reconnect, so every (re)connect reads the orders over REST: a fill
 * or status missed while away is published from the order's filled fields (same ids as the stream would have
 * given them: mapping.ts execIdOf), and a reconciliation snapshot follows, as gateway-ib does on every connect.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@trading-system/bus';
import {
  ALPACA_BROKER_TYPE,
  type AlpacaBrokerDetails,
  BROKER_COMMAND_VERBS,
  type BrokerCapabilities,
  type BrokerCommandVerb,
  type BrokerEventKind,
  type BrokerExecutionData,
  type BrokerInfo,
  type BrokerMdSnapshotRequest,
  type BrokerMdSubscribeRequest,
  type BrokerMdUnsubscribeRequest,
  type BrokerModifyOrderRequest,
  type BrokerNotice,
  type BrokerOrder,
  type BrokerPlaceOrderRequest,
  type BrokerStatus,
  type ConnectionState,
  ContractError,
  compareDecimal,
  errorReply,
  errorReplyOf,
  type FeedStatus,
  type FetchHistoryRequest,
  historyBarLimit,
  type Instrument,
  normalizeDecimal,
  orderCapabilityProblem,
  parseTimeframe,
  type QualifyContractRequest,
  type ReconcileRequest,
  Subjects,
  snapshotParts,
  type Trade,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { AlpacaApiError, type AlpacaPort, AlpacaUnreachable, type OrdersQuery } from './alpaca-port.js';
import { DataStream, type StreamQuote } from './data-stream.js';
import { alpacaTimeframe, historyCapabilities, toBarData } from './history.js';
import {
  alpacaTif,
  brokerState,
  execIdOf,
  fillBetween,
  instrumentIdOf,
  legacyInstrumentIdOf,
  orderIdOf,
  replacementClientOrderId,
  rootClientOrderId,
  secTypeOf,
  toAccountSummary,
  toAlpacaOrder,
  toBrokerOrder,
  toExecution,
  toInstrument,
  toPosition,
  toTick,
} from './mapping.js';
import { allOrders, submittedMs } from './order-pages.js';
import { TradeStream } from './trade-stream.js';
import type { AlpacaAsset, AlpacaOrder, AlpacaPosition, AlpacaTradeUpdate } from './wire.js';

export interface AlpacaBrokerConfig {
  readonly name: string;
  readonly paper: boolean;
  /** Trading API base URL (also the host of the trade_updates stream, at `/stream`). */
  readonly tradingUrl: string;
  readonly feed: 'iex' | 'sip';
  /** The market-data stream's URL (`wss://stream.data.alpaca.markets/v2/<feed>`). */
  readonly dataStreamUrl: string;
  /** The crypto data stream (Alpaca: one US crypto feed, its own connection). */
  readonly cryptoStreamUrl: string;
  /** The request budget (also announced as the history request window). */
  readonly maxRequestsPerMinute: number;
}

export interface AlpacaBrokerOptions {
  /** Token of the gateway hosting the broker (`gateway.<type>.cmd.*`), as its status and info report it. */
  readonly gatewayType: string;
  readonly statusEveryMs: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * What this gateway takes, as proven by its conformance run against alpaca-sim: US stocks; market, limit, stop and
 * stop-limit orders with DAY, GTC, IOC and FOK; outside-RTH for limit DAY orders (Alpaca's rule: extended_hours
 * only for limit day orders; a GTC one is refused here); fractional stock quantities (Alpaca takes them as DAY
 * orders only and refuses the rest itself); modify by PATCH (replace); 30 streaming lines (quotes and trades of 30
 * symbols: Alpaca's free IEX plan); 1m, 1h and 1d bars (history.ts).
 */
/** Alpaca's crypto orders: market, limit and stop limit, good till cancelled or immediate or cancel. */
const CRYPTO_TYPES: ReadonlySet<string> = new Set(['MKT', 'LMT', 'STP LMT']);
const CRYPTO_TIFS: ReadonlySet<string> = new Set(['GTC', 'IOC']);
/** Socket errors that say nothing answers at the address (as against a connection that broke). */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** How far back, before the newest order, reconciliation reads closed orders (IB keeps about a day too). */
const RECENT_CLOSED_MS = 24 * 3_600_000;
/** Alpaca's statuses after which an order changes no more. */
const ALPACA_FINAL: ReadonlySet<string> = new Set(['filled', 'canceled', 'expired', 'replaced', 'rejected']);

export const ALPACA_CAPABILITIES: BrokerCapabilities = {
  // Crypto takes only MKT, LMT and STP LMT with GTC or IOC at Alpaca: the matrix holds per class no TIFs, so those
  // limits are checked in checkOrder (CRYPTO_TYPES, CRYPTO_TIFS) and the refusal names them.
  assetClasses: ['STK', 'CRYPTO'],
  orderTypes: {
    MKT: ['DAY', 'GTC', 'IOC', 'FOK'],
    LMT: ['DAY', 'GTC', 'IOC', 'FOK'],
    STP: ['DAY', 'GTC', 'IOC', 'FOK'],
    'STP LMT': ['DAY', 'GTC', 'IOC', 'FOK'],
  },
  outsideRth: ['LMT'],
  fractionalQuantity: ['STK', 'CRYPTO'],
  modify: true,
  marketDataLines: 30,
};

/** An event id within the contract's token pattern (≤ 64 of [A-Za-z0-9_-]); long ones are hashed. */
function eventIdOf(...parts: string[]): string {
  const raw = parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_');
  if (raw.length <= 64) return raw;
  return `${parts[0]}-${createHash('sha256').update(raw).digest('hex').slice(0, 48)}`;
}

export class AlpacaBroker {
  private readonly subs: Subscription[] = [];
  private readonly instanceId = `alpaca-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
  private session = 0;
  private stopped = false;
  private state: ConnectionState = 'disconnected';
  /** Alpaca's time minus ours, ms (learnClock); undefined before the first connect. */
  private clockOffsetMs: number | undefined;
  private notice: BrokerNotice | undefined = {
    kind: 'other',
    code: 'connecting',
    message: 'not connected yet',
    atMs: Date.now(),
  };
  /** When the REST API last went from serving to not (or back), epoch ms: the `rest` feed's sinceMs. */
  private restSinceMs = Date.now();
  private accounts: string[] = [];
  /**
   * Assets by instrument id: the asset UUID, and also the hashed id the version before used (legacyInstrumentIdOf),
   * so requests naming instruments as stored by that version (ledger rows, cached bars) still find the asset.
   */
  private readonly assetsById = new Map<string, AlpacaAsset>();
  private readonly assetsBySymbol = new Map<string, AlpacaAsset>();
  /** Our orders by clientOrderId: the Alpaca order that currently carries it (a replace moves it on). */
  private readonly orders = new Map<string, AlpacaOrder>();
  /** What we last reported per Alpaca order: filled quantity and average price, and status. */
  private readonly seen = new Map<string, { filled: string; avgPrice: string | undefined; status: string }>();
  /** Executions reported by this instance, for reconciliation snapshots. */
  private readonly executions: BrokerExecutionData[] = [];
  private readonly stream: TradeStream;
  private readonly data: DataStream;
  private readonly cryptoData: DataStream;
  /** Instrument id of each symbol we hold a line for (stream messages name symbols). */
  private readonly lineIds = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  /** Serialises catch-ups and stream updates, so a reconnect's REST reading and live updates never interleave. */
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    readonly config: AlpacaBrokerConfig,
    private readonly port: AlpacaPort,
    keys: { keyId: string; secretKey: string },
    private readonly options: AlpacaBrokerOptions,
    private readonly log: Logger,
  ) {
    const streamUrl = new URL('/stream', config.tradingUrl);
    streamUrl.protocol = streamUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    this.stream = new TradeStream(
      {
        url: streamUrl.toString(),
        keys,
        minBackoffMs: options.minBackoffMs,
        maxBackoffMs: options.maxBackoffMs,
      },
      {
        update: (u) => this.enqueue(() => this.onUpdate(u), 'trade update'),
        state: (s, why, errorCode) => {
          if (s === 'up') this.enqueue(() => this.onConnected(), 'catch-up after connect');
          else this.setState('disconnected', why, errorCode);
        },
        malformed: (err) => this.log.warn({ err }, 'malformed trade_updates message ignored'),
      },
    );
    this.data = new DataStream(
      { url: config.dataStreamUrl, keys, minBackoffMs: options.minBackoffMs, maxBackoffMs: options.maxBackoffMs },
      (q) => this.onQuote(q),
      (message) => this.log.warn({ message }, 'market-data stream'),
    );
    this.cryptoData = new DataStream(
      { url: config.cryptoStreamUrl, keys, minBackoffMs: options.minBackoffMs, maxBackoffMs: options.maxBackoffMs },
      (q) => this.onQuote(q),
      (message) => this.log.warn({ message }, 'crypto market-data stream'),
    );
  }

  /** The stream carrying an asset's quotes: stocks on the feed's, crypto pairs on the crypto one. */
  private streamOf(a: AlpacaAsset): DataStream {
    return a.class === 'crypto' ? this.cryptoData : this.data;
  }

  private onQuote(q: StreamQuote): void {
    const instrumentId = this.lineIds.get(q.symbol);
    if (instrumentId === undefined || this.stopped) return;
    const num = (n: number | undefined) => (n === undefined ? undefined : normalizeDecimal(n.toFixed(10)));
    const t = Date.parse(q.t);
    const now = Date.now();
    const fields = {
      bid: num(q.bid),
      ask: num(q.ask),
      bidSize: num(q.bidSize),
      askSize: num(q.askSize),
      last: num(q.last),
      lastSize: num(q.lastSize),
    };
    const tsEventMs = Number.isNaN(t) ? now : t;
    this.bus.publish(Subjects.mdTick.build({ broker: this.config.name, instrument: instrumentId }), {
      v: 1,
      broker: this.config.name,
      instrumentId,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      tsEventMs,
      tsInitMs: now,
      delayed: false,
    });
    // A stream trade ('t', the only message with a last price) is also an exact trade: market-data's bars use it.
    if (fields.last !== undefined && fields.lastSize !== undefined && fields.lastSize !== '0')
      this.bus.publish(Subjects.mdTrade.build({ broker: this.config.name, instrument: instrumentId }), {
        v: 1,
        broker: this.config.name,
        instrumentId,
        price: fields.last,
        size: fields.lastSize,
        tsEventMs,
        tsInitMs: now,
        delayed: false,
      } satisfies Trade);
  }

  start(): void {
    this.serve();
    this.stream.start();
    this.timer = setInterval(() => this.publishStatus(), this.options.statusEveryMs);
    this.publishStatus();
  }

  private enqueue(fn: () => Promise<void>, what: string): void {
    this.work = this.work.then(fn).catch((err: unknown) => this.log.error({ err }, `${what} failed`));
  }

  /**
   * `code`: the socket error's code when the connection failed (ECONNREFUSED ...), else our word for the problem.
   * Nothing answering before the first session is `unreachable`, with what to check.
   */
  private setState(next: ConnectionState, problem?: string, code?: string): void {
    const before = this.notice;
    if (next === 'connected') this.notice = undefined;
    else if (problem !== undefined) {
      const unreachable = this.session === 0 && code !== undefined && UNREACHABLE_CODES.has(code);
      const origin = new URL(this.config.tradingUrl).origin;
      this.notice = {
        kind: unreachable ? 'unreachable' : 'other',
        code: code ?? 'disconnected',
        message: problem,
        atMs: Date.now(),
        ...(unreachable
          ? { hint: `check the trading URL ${origin}: Alpaca's API, or alpaca-sim running there (npm run alpaca-sim)` }
          : {}),
      };
    }
    if (next === this.state) {
      // Same state, new news (the first attempt found nothing at the address): said now, not at the next period.
      if (this.notice !== undefined && (this.notice.kind !== before?.kind || this.notice.code !== before.code))
        this.publishStatus();
      return;
    }
    if (next === 'connected' || this.state === 'connected') this.restSinceMs = Date.now();
    this.state = next;
    this.log.info({ state: next, problem }, 'alpaca connection state');
    this.publishStatus();
  }

  capabilities(): BrokerCapabilities {
    return { ...ALPACA_CAPABILITIES, history: historyCapabilities(this.config.maxRequestsPerMinute) };
  }

  /**
   * Alpaca's clock against ours (BrokerStatus.brokerTimeMs): read at every connect from its clock endpoint, taken at
   * the middle of the round trip. alpaca-sim's runs in the past, and history counts "the last N days" from it.
   */
  private async learnClock(): Promise<void> {
    const sent = Date.now();
    const { nowMs } = await this.port.clock();
    this.clockOffsetMs = Math.round(nowMs - (sent + Date.now()) / 2);
  }

  status(): BrokerStatus {
    const tsMs = Date.now();
    return {
      v: 1,
      broker: this.config.name,
      gatewayType: this.options.gatewayType,
      state: this.state,
      feeds: this.feeds(),
      ...(this.notice === undefined ? {} : { notice: this.notice }),
      accounts: this.accounts,
      paper: this.config.paper,
      tsMs,
      ...(this.clockOffsetMs === undefined ? {} : { brokerTimeMs: tsMs + this.clockOffsetMs }),
      instanceId: this.instanceId,
      session: this.session,
      capabilities: this.capabilities(),
      details: this.details(),
    };
  }

  /**
   * Alpaca's data feeds: the market-data streams (stocks on the feed's, crypto its own; inactive until a line
   * opens them) and the REST API (history and instrument definitions), serving while the connection is up.
   */
  private feeds(): FeedStatus[] {
    return [
      { name: `stream-${this.config.feed}`, kind: 'market', ...this.data.feed() },
      { name: 'stream-crypto', kind: 'market', ...this.cryptoData.feed() },
      { name: 'rest', kind: 'history', state: this.state === 'connected' ? 'ok' : 'broken', sinceMs: this.restSinceMs },
    ];
  }

  private details(): AlpacaBrokerDetails {
    return { type: ALPACA_BROKER_TYPE, feed: this.config.feed };
  }

  info(): BrokerInfo {
    // The URL without user info, query or fragment: keys travel in headers, never here.
    const url = new URL(this.config.tradingUrl);
    return {
      name: this.config.name,
      gatewayType: this.options.gatewayType,
      endpoint: `${url.origin}${url.pathname === '/' ? '' : url.pathname}`,
      paper: this.config.paper,
      state: this.state,
      accounts: this.accounts,
      capabilities: this.capabilities(),
      details: this.details(),
    };
  }

  private publishStatus(): void {
    if (this.stopped) return;
    this.bus.publish(Subjects.brokerStatus.build({ broker: this.config.name }), this.status());
  }

  private async publishEvent(kind: BrokerEventKind, body: { eventId: string } & Record<string, unknown>) {
    const now = Date.now();
    await this.bus.jetstream.publish(
      Subjects.brokerEvent.build({ broker: this.config.name, kind }),
      { v: 1, broker: this.config.name, tsEventMs: now, tsInitMs: now, ...body },
      { msgId: `${this.config.name}:${body.eventId}` },
    );
  }

  // --- instruments -------------------------------------------------------------------------------------------

  private async loadAssets(): Promise<void> {
    const stocks = await this.port.assets('us_equity');
    const crypto = await this.port.assets('crypto');
    for (const a of [...stocks, ...crypto]) {
      if (secTypeOf(a.class) === undefined) continue;
      this.assetsById.set(instrumentIdOf(a.id), a);
      this.assetsById.set(legacyInstrumentIdOf(a.id), a);
      this.assetsBySymbol.set(a.symbol.toUpperCase(), a);
    }
  }

  /** The asset's symbol for a position (Alpaca names crypto positions without the slash). */
  private positionSymbol(p: AlpacaPosition): string {
    return this.assetsById.get(instrumentIdOf(p.asset_id))?.symbol ?? p.symbol;
  }

  private instrumentOf(id: string): Instrument | undefined {
    const a = this.assetsById.get(id);
    return a === undefined ? undefined : toInstrument(a);
  }

  // --- the stream and the catch-up ---------------------------------------------------------------------------

  private async onConnected(): Promise<void> {
    try {
      const account = await this.port.account();
      this.accounts = [account.account_number];
      await this.learnClock();
      if (this.assetsById.size === 0) await this.loadAssets();
      const first = this.session === 0;
      this.session += 1;
      const orders = await this.recentOrders();
      for (const o of orders) {
        this.track(o);
        // The first connect of an instance only learns where things stand (the snapshot below reports them);
        // a reconnect reports what changed while away, as the stream would have.
        if (first) this.remember(o);
        else await this.report(o, undefined);
      }
      this.setState('connected');
      await this.snapshot(`connect-${this.instanceId}-${this.session}`, undefined, orders);
    } catch (err) {
      this.log.warn({ err }, 'catch-up after connect failed: reconnecting');
      this.setState('disconnected', `catch-up failed: ${(err as Error).message}`);
      // Drop the stream: its reconnect runs the catch-up again (with the stream's backoff).
      this.stream.reconnect();
    }
  }

  /**
   * Every open order; the closed ones submitted within a day of the newest (or since `sinceMs`, whichever reaches
   * further back), measured on Alpaca's clock, not ours (alpaca-sim's is a simulated one); and each order we last
   * saw open that neither list holds (an old GTC order that ended while we were away). Newest first. Alpaca answers
   * 500 orders per request at most, so both lists are read page by page (order-pages.ts).
   */
  private async recentOrders(sinceMs?: number): Promise<AlpacaOrder[]> {
    const fetchPage = (q: OrdersQuery) => this.port.orders(q);
    const open = await allOrders(fetchPage, 'open');
    const closed = await allOrders(fetchPage, 'closed', {
      horizonMs: (newestMs) => Math.min(sinceMs ?? newestMs, newestMs - RECENT_CLOSED_MS),
    });
    if (!open.complete || !closed.complete)
      this.log.warn(
        { open: open.orders.length, closed: closed.orders.length },
        'orders not all read: over 500 in one millisecond, or past the page limit',
      );
    const byId = new Map([...open.orders, ...closed.orders].map((o) => [o.id, o]));
    for (const [id, last] of this.seen) {
      if (byId.has(id) || ALPACA_FINAL.has(last.status)) continue;
      byId.set(id, await this.port.order(id));
    }
    return [...byId.values()].sort((a, b) => submittedMs(b) - submittedMs(a));
  }

  private track(o: AlpacaOrder): void {
    const root = rootClientOrderId(o.client_order_id);
    const known = this.orders.get(root);
    // A replaced order never takes the name back from its replacement.
    if (known === undefined || o.status !== 'replaced' || known.id === o.id) this.orders.set(root, o);
  }

  private remember(o: AlpacaOrder): void {
    this.seen.set(o.id, {
      filled: normalizeDecimal(o.filled_qty),
      avgPrice: o.filled_avg_price ?? undefined,
      status: o.status,
    });
  }

  /**
   * Publishes what changed in `o` since we last reported it: a fill (from the stream's own fill, or recovered
   * from the filled fields), then the order and its status.
   */
  private async report(o: AlpacaOrder, u: AlpacaTradeUpdate | undefined): Promise<void> {
    const before = this.seen.get(o.id) ?? { filled: '0', avgPrice: undefined, status: '' };
    const filled = normalizeDecimal(o.filled_qty);
    const account = this.accounts[0] ?? 'ALPACA';
    const instrumentId = instrumentIdOf(o.asset_id);
    if (compareDecimal(filled, before.filled) > 0) {
      const isStreamFill = u !== undefined && (u.event === 'fill' || u.event === 'partial_fill');
      const recovered = fillBetween(before, { filled, avgPrice: o.filled_avg_price ?? undefined });
      const fill =
        isStreamFill && u.qty !== undefined && u.price !== undefined && compareDecimal(u.qty, '0') > 0
          ? // The stream's own fill, unless we missed an earlier one (then the gap is recovered in one piece).
            compareDecimal(u.qty, recovered?.quantity ?? '0') === 0
            ? { quantity: normalizeDecimal(u.qty), price: normalizeDecimal(u.price) }
            : recovered
          : recovered;
      if (fill !== undefined) {
        const t = Date.parse(u?.timestamp ?? o.filled_at ?? o.updated_at ?? '');
        const x = toExecution(o, account, instrumentId, {
          ...fill,
          cumQty: filled,
          timeMs: Number.isNaN(t) ? Date.now() : t,
        });
        this.executions.push(x);
        await this.publishEvent('execution', { eventId: eventIdOf('exec', x.execId), execution: x });
        // Alpaca charges no commission on stocks: one report of 0 per execution, as the contract wants one.
        await this.publishEvent('commissionReport', {
          eventId: eventIdOf('comm', x.execId),
          execId: x.execId,
          commission: '0',
          currency: 'USD',
        });
      }
    }
    this.remember(o);
    if (before.status === o.status && compareDecimal(filled, before.filled) === 0 && u === undefined) return;
    const instrument = this.instrumentOf(instrumentId);
    const order = instrument === undefined ? undefined : toBrokerOrder(o, instrument, account);
    if (order === undefined) return;
    const key = [o.id, o.status, filled];
    if (u?.event === 'rejected' || (u === undefined && o.status === 'rejected' && before.status !== 'rejected'))
      await this.publishEvent('orderRejected', {
        eventId: eventIdOf('rej', o.id),
        orderId: order.orderId,
        permId: order.permId,
        clientOrderId: order.clientOrderId,
        brokerCode: 0,
        message: `alpaca rejected the order${u?.timestamp === undefined ? '' : ` at ${u.timestamp}`}`,
        action: 'place',
      });
    await this.publishEvent('openOrder', { eventId: eventIdOf('oo', ...key), order });
    await this.publishEvent('orderStatus', {
      eventId: eventIdOf('st', ...key),
      orderId: order.orderId,
      permId: order.permId,
      clientOrderId: order.clientOrderId,
      status: order.status,
      filled: order.filled,
      remaining: order.remaining,
      ...(o.filled_avg_price == null ? {} : { avgFillPrice: normalizeDecimal(o.filled_avg_price) }),
    });
  }

  private async onUpdate(u: AlpacaTradeUpdate): Promise<void> {
    if (this.state !== 'connected') return; // the catch-up after the connect reads it from REST
    this.track(u.order);
    if (u.event === 'replaced' || brokerState(u.order.status) === undefined) {
      this.remember(u.order);
      return;
    }
    await this.report(u.order, u);
  }

  // --- commands ----------------------------------------------------------------------------------------------

  private serve(): void {
    const handlers: Record<BrokerCommandVerb, (body: never) => Promise<unknown>> = {
      status: async () => ({ v: 1, ok: true, status: this.status() }),
      placeOrder: (b: BrokerPlaceOrderRequest) => this.placeOrder(b),
      modifyOrder: (b: BrokerModifyOrderRequest) => this.modifyOrder(b),
      cancelOrder: async (b: { clientOrderId: string; orderId: string }) => {
        const o = await this.ourOpenOrder(b.clientOrderId, b.orderId);
        await this.alpaca('cancel', () => this.port.cancelOrder(o.id));
        return { v: 1, ok: true, clientOrderId: b.clientOrderId, orderId: b.orderId };
      },
      cancelAll: async () => {
        this.connected();
        await this.alpaca('cancel', () => this.port.cancelAll());
        return { v: 1, ok: true };
      },
      reconcile: async (b: ReconcileRequest) => {
        this.connected();
        const now = Date.now();
        const orders = await this.alpaca('reconcile', () => this.recentOrders(b.executionsSinceMs));
        const parts = await this.snapshot(b.reconId, b.executionsSinceMs, orders, now);
        return { v: 1, ok: true, reconId: b.reconId, parts, requestedAtMs: now, instanceId: this.instanceId };
      },
      qualifyContract: async (b: QualifyContractRequest) => this.qualify(b),
      optionChain: async () => {
        throw new ContractError('SERVICE_UNAVAILABLE', 'the alpaca gateway serves no option chains');
      },
      fetchHistory: (b: FetchHistoryRequest) => this.fetchHistory(b),
      historyForecast: async () => {
        throw new ContractError('SERVICE_UNAVAILABLE', 'the alpaca gateway serves no history yet (none announced)');
      },
      mdSubscribe: (b: BrokerMdSubscribeRequest) => this.mdSubscribe(b),
      mdUnsubscribe: async (b: BrokerMdUnsubscribeRequest) => {
        const a = this.assetsById.get(b.instrument.id);
        if (a !== undefined && b.streams.includes('ticks')) {
          this.streamOf(a).unsubscribe(a.symbol);
          this.lineIds.delete(a.symbol);
        }
        return { v: 1, ok: true };
      },
      mdSnapshot: (b: BrokerMdSnapshotRequest) => this.mdSnapshot(b),
      positions: async (b: { account?: string }) => ({ v: 1, ok: true, positions: await this.positions(b.account) }),
      accountSummary: async (b: { account?: string }) => ({
        v: 1,
        ok: true,
        accounts: await this.summaries(b.account),
      }),
    };
    const serve = (subject: string, handler: (body: never) => Promise<unknown>): void => {
      this.subs.push(
        this.bus.serve(subject, async (body) => {
          try {
            return await handler(body as never);
          } catch (err) {
            const reply = errorReplyOf(err);
            if (reply !== undefined) return reply;
            this.log.error({ err, subject }, 'alpaca broker command failed');
            return errorReply('INTERNAL_ERROR', `${subject} failed: ${(err as Error).message}`);
          }
        }),
      );
    };
    for (const verb of BROKER_COMMAND_VERBS)
      serve(Subjects.brokerCommand.build({ broker: this.config.name, verb }), handlers[verb]);
    // The account subjects gateway-ib serves too (the SDK, CLI and dashboard read positions and values there).
    serve(Subjects.accountPositions.build({ broker: this.config.name }), async (b: { account?: string }) => ({
      v: 1,
      ok: true,
      positions: await this.positions(b.account),
      tsInitMs: Date.now(),
    }));
    serve(Subjects.accountSummary.build({ broker: this.config.name }), async (b: { account?: string }) => ({
      v: 1,
      ok: true,
      accounts: await this.summaries(b.account),
      tsInitMs: Date.now(),
    }));
  }

  private async positions(account: string | undefined) {
    this.connected();
    if (account !== undefined) this.knownAccount(account);
    const mine = this.accounts[0] ?? 'ALPACA';
    const list = await this.alpaca('read', () => this.port.positions());
    return list
      .filter((p) => secTypeOf(p.asset_class) !== undefined)
      .map((p) => toPosition(this.config.name, mine, p, this.positionSymbol(p)));
  }

  private async summaries(account: string | undefined) {
    this.connected();
    if (account !== undefined) this.knownAccount(account);
    const a = await this.alpaca('read', () => this.port.account());
    return [toAccountSummary(this.config.name, a, Date.now())];
  }

  private connected(): void {
    if (this.state !== 'connected')
      throw new ContractError('BROKER_DISCONNECTED', `${this.config.name} is not connected to Alpaca`);
  }

  private knownAccount(account: string): void {
    if (!this.accounts.includes(account))
      throw new ContractError('ACCOUNT_UNKNOWN', `${this.config.name} has no account ${account}`);
  }

  /**
   * Runs one Alpaca call and turns its failure into the contract's words. `place`/`modify`/`cancel`: Alpaca's
   * refusal (4xx) is final; a 429 is BROKER_BUSY with the wait; no answer is BROKER_UNREACHABLE (unknown outcome:
   * reconcile).
   */
  private async alpaca<T>(action: 'place' | 'modify' | 'cancel' | 'read' | 'reconcile', fn: () => Promise<T>) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AlpacaApiError) {
        const details = { brokerCode: err.code ?? err.status, httpStatus: err.status };
        if (err.status === 429)
          throw new ContractError('BROKER_BUSY', err.message, {
            details: { ...details, retryAfterMs: Math.max(0, (err.resetAtMs ?? Date.now() + 1_000) - Date.now()) },
          });
        if (err.status >= 500) throw new ContractError('SERVICE_UNAVAILABLE', err.message, { details });
        if (err.status === 401 || err.status === 403) {
          if (action === 'place' || action === 'modify')
            throw new ContractError('ORDER_REJECTED', err.message, { details });
          throw new ContractError('PERMISSION_DENIED', err.message, { details });
        }
        if (err.status === 404 || (action === 'cancel' && err.status === 422))
          throw new ContractError('BROKER_ORDER_MISMATCH', err.message, { details });
        if (action === 'place' || action === 'modify')
          throw new ContractError('ORDER_REJECTED', err.message, { details });
        throw new ContractError('VALIDATION_FAILED', err.message, { details });
      }
      if (err instanceof AlpacaUnreachable) throw new ContractError('BROKER_UNREACHABLE', err.message);
      throw err;
    }
  }

  private qualify(b: QualifyContractRequest) {
    const ref = b.instrument as { id?: string; secType?: string; symbol?: string };
    let a: AlpacaAsset | undefined;
    if (ref.id !== undefined) a = this.assetsById.get(ref.id);
    else if (ref.symbol !== undefined) {
      const found = this.assetsBySymbol.get(ref.symbol.toUpperCase());
      if (found !== undefined && (ref.secType === undefined || ref.secType === secTypeOf(found.class))) a = found;
    }
    if (a === undefined)
      throw new ContractError(
        'CONTRACT_UNKNOWN',
        this.assetsById.size === 0
          ? `${this.config.name} has not loaded Alpaca's assets yet (not connected)`
          : 'no such US stock or crypto pair at Alpaca',
      );
    return { v: 1, ok: true, instruments: [toInstrument(a)] };
  }

  private checkOrder(b: BrokerPlaceOrderRequest): AlpacaAsset {
    this.connected();
    this.knownAccount(b.account);
    const a = this.assetsById.get(b.instrument.id);
    if (a === undefined)
      throw new ContractError(
        'CONTRACT_UNKNOWN',
        `instrument ${b.instrument.id} is not a US stock or crypto pair at Alpaca`,
      );
    const secType = secTypeOf(a.class) ?? 'STK';
    const problem = orderCapabilityProblem(this.capabilities(), { ...b, secType });
    if (problem !== undefined)
      throw new ContractError(problem.code, problem.message, { details: { rule: problem.rule } });
    if (secType === 'CRYPTO') {
      if (!CRYPTO_TYPES.has(b.orderType))
        throw new ContractError('ORDER_TYPE_UNSUPPORTED', 'Alpaca takes crypto orders as MKT, LMT or STP LMT only', {
          details: { rule: 'orderType' },
        });
      if (!CRYPTO_TIFS.has(b.tif))
        throw new ContractError('ORDER_TYPE_UNSUPPORTED', `Alpaca takes crypto orders as GTC or IOC, not ${b.tif}`, {
          details: { rule: 'tif' },
        });
      if (b.outsideRth)
        throw new ContractError('ORDER_TYPE_UNSUPPORTED', 'crypto trades around the clock: outsideRth does not apply', {
          details: { rule: 'outsideRth' },
        });
    }
    if (b.outsideRth && (b.orderType !== 'LMT' || b.tif !== 'DAY'))
      throw new ContractError('ORDER_TYPE_UNSUPPORTED', 'Alpaca executes outside regular hours only limit DAY orders', {
        details: { rule: 'outsideRth' },
      });
    return a;
  }

  private async placeOrder(b: BrokerPlaceOrderRequest) {
    const a = this.checkOrder(b);
    const orderId = orderIdOf(b.clientOrderId);
    // A retry of an order we already placed answers the same id and sends nothing.
    if (this.orders.has(b.clientOrderId)) return { v: 1, ok: true, clientOrderId: b.clientOrderId, orderId };
    try {
      const o = await this.alpaca('place', () => this.port.placeOrder(toAlpacaOrder(b, a.symbol)));
      if (!this.orders.has(b.clientOrderId)) this.orders.set(b.clientOrderId, o);
    } catch (err) {
      // Alpaca refuses a second order with the same client_order_id: the first one reached it.
      const dup = err instanceof ContractError && /client_order_id must be unique/i.test(err.message);
      if (!dup) throw err;
    }
    return { v: 1, ok: true, clientOrderId: b.clientOrderId, orderId };
  }

  /** The Alpaca order now carrying our clientOrderId, checked against the orderId the caller names. */
  private async ourOpenOrder(clientOrderId: string, orderId: string): Promise<AlpacaOrder> {
    this.connected();
    if (orderIdOf(clientOrderId) !== orderId)
      throw new ContractError('BROKER_ORDER_MISMATCH', `order ${orderId} is not ${clientOrderId}'s`);
    let o =
      this.orders.get(clientOrderId) ?? (await this.alpaca('cancel', () => this.port.orderByClientId(clientOrderId)));
    // Follow replacements to the order now working.
    for (let hops = 0; o.replaced_by != null && hops < 50; hops += 1) {
      const next = o.replaced_by;
      o = await this.alpaca('cancel', () => this.port.order(next));
    }
    return o;
  }

  private async modifyOrder(b: BrokerModifyOrderRequest) {
    this.checkOrder(b);
    const o = await this.ourOpenOrder(b.clientOrderId, b.orderId);
    const same = toAlpacaOrder(b, o.symbol);
    if (same.side !== o.side || same.type !== o.type || o.symbol !== this.assetsById.get(b.instrument.id)?.symbol)
      throw new ContractError('ORDER_MODIFY_UNSUPPORTED', 'Alpaca replaces quantity, prices and TIF only');
    const r = await this.alpaca('modify', () =>
      this.port.replaceOrder(o.id, {
        qty: b.quantity,
        time_in_force: alpacaTif(b.tif),
        ...(b.limitPrice === undefined ? {} : { limit_price: b.limitPrice }),
        ...(b.stopPrice === undefined ? {} : { stop_price: b.stopPrice }),
        client_order_id: replacementClientOrderId(b.clientOrderId, Date.now()),
      }),
    );
    this.track(r);
    return { v: 1, ok: true, clientOrderId: b.clientOrderId, orderId: b.orderId };
  }

  /**
   * One fetchHistory: bars of a size Alpaca serves starting in [startMs, endMs) (or spanMs before endMs; endMs absent: the broker's now,
   * read from its clock), every page of it (next_page_token) within the request's timeout. TRADES only.
   */
  private async fetchHistory(b: FetchHistoryRequest) {
    this.connected();
    const began = Date.now();
    const a = this.assetsById.get(b.instrument.id);
    if (a === undefined)
      throw new ContractError('CONTRACT_UNKNOWN', `instrument ${b.instrument.id} is not a US stock at Alpaca`);
    if (b.whatToShow !== 'TRADES')
      throw new ContractError('HISTORY_DATA_TYPE_REFUSED', `Alpaca's bars are trades only, not ${b.whatToShow}`);
    // Only what is announced: the history service plans from the announcement, and a size served off it would be
    // one no limit was promised for.
    const timeframe = historyBarLimit(this.capabilities(), b.timeframe) && alpacaTimeframe(b.timeframe);
    if (timeframe === undefined)
      throw new ContractError('VALIDATION_FAILED', `timeframe: this broker announces no ${b.timeframe} bars`, {
        details: { served: this.capabilities().history?.bars.map((x) => x.timeframe) ?? [] },
      });
    const seconds = parseTimeframe(b.timeframe).seconds ?? 31 * 86_400;
    const endMs = b.endMs ?? (await this.alpaca('read', () => this.port.clock())).nowMs;
    const startMs = b.startMs ?? endMs - (b.spanMs ?? 0);
    const bars = [];
    let pageToken: string | undefined;
    do {
      if (Date.now() - began > b.timeoutMs) throw new ContractError('TIMEOUT', `fetchHistory ${b.requestId} timed out`);
      const q = {
        timeframe,
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
        limit: 10_000,
        ...(pageToken === undefined ? {} : { pageToken }),
      };
      // Crypto pairs have their own data API (no feed); it trades around the clock, so no session filter applies.
      const page = await this.alpaca('read', () =>
        a.class === 'crypto'
          ? this.port.cryptoBars(a.symbol, q)
          : this.port.bars(a.symbol, { ...q, feed: this.config.feed }),
      );
      // Alpaca's end is inclusive; the contract's is not.
      for (const x of page.bars) {
        const bar = toBarData(x, seconds);
        if (bar.tsStartMs >= startMs && bar.tsStartMs < endMs) bars.push(bar);
      }
      if (bars.length > 50_000)
        throw new ContractError('PAYLOAD_TOO_LARGE', `more than 50,000 bars: ask for a shorter span`);
      pageToken = page.next;
    } while (pageToken !== undefined);
    // Alpaca's minute and hour bars include extended hours; regular hours only is not filtered yet (sim: RTH only).
    return { v: 1, ok: true, requestId: b.requestId, bars, startMs, endMs, queuedMs: 0 };
  }

  private async mdSubscribe(b: BrokerMdSubscribeRequest) {
    this.connected();
    const a = this.assetsById.get(b.instrument.id);
    if (a === undefined)
      throw new ContractError('CONTRACT_UNKNOWN', `instrument ${b.instrument.id} is not a US stock at Alpaca`);
    if (b.streams.includes('rtbars'))
      throw new ContractError('SERVICE_UNAVAILABLE', 'Alpaca streams 1-minute bars, not 5-second bars: ticks only');
    const stream = this.streamOf(a);
    if (!stream.has(a.symbol) && this.data.lines + this.cryptoData.lines >= this.capabilities().marketDataLines)
      throw new ContractError('LINE_BUDGET_EXHAUSTED', `all ${this.capabilities().marketDataLines} lines are in use`);
    this.lineIds.set(a.symbol, instrumentIdOf(a.id));
    stream.subscribe(a.symbol);
    return {
      v: 1,
      ok: true,
      subjects: [
        Subjects.mdTick.build({ broker: this.config.name, instrument: instrumentIdOf(a.id) }),
        Subjects.mdTrade.build({ broker: this.config.name, instrument: instrumentIdOf(a.id) }),
      ],
      delayed: false,
      instanceId: this.instanceId,
    };
  }

  private async mdSnapshot(b: BrokerMdSnapshotRequest) {
    this.connected();
    const a = this.assetsById.get(b.instrument.id);
    if (a === undefined)
      throw new ContractError('CONTRACT_UNKNOWN', `instrument ${b.instrument.id} is not a US stock at Alpaca`);
    const q = await this.alpaca('read', () =>
      a.class === 'crypto' ? this.port.latestCryptoQuote(a.symbol) : this.port.latestQuote(a.symbol, this.config.feed),
    );
    return { v: 1, ok: true, tick: toTick(this.config.name, instrumentIdOf(a.id), q, Date.now()) };
  }

  /** Publishes a reconciliation snapshot of `orders` and the positions, in parts that fit a message; their count. */
  private async snapshot(reconId: string, sinceMs: number | undefined, orders: AlpacaOrder[], atMs = Date.now()) {
    const account = this.accounts[0] ?? 'ALPACA';
    const openOrders: BrokerOrder[] = [];
    const completedOrders: BrokerOrder[] = [];
    const executions: BrokerExecutionData[] = [];
    for (const o of orders) {
      const instrument = this.instrumentOf(instrumentIdOf(o.asset_id));
      const order = instrument === undefined ? undefined : toBrokerOrder(o, instrument, account);
      if (order === undefined) continue;
      const final = ['cancelled', 'expired', 'filled', 'rejected'].includes(order.status);
      (final ? completedOrders : openOrders).push(order);
      // Fills: ours as reported, and for an order filled beyond them (before this instance), one recovered piece.
      const mine = this.executions.filter((x) => x.execId.startsWith(`${o.id}-`));
      executions.push(...mine);
      const reported = mine.reduce((max, x) => (compareDecimal(x.cumQty, max) > 0 ? x.cumQty : max), '0');
      const before = mine.length === 0 ? { filled: '0', avgPrice: undefined } : undefined;
      if (before !== undefined && compareDecimal(o.filled_qty, '0') > 0) {
        const fill = fillBetween(before, { filled: o.filled_qty, avgPrice: o.filled_avg_price ?? undefined });
        const t = Date.parse(o.filled_at ?? o.updated_at ?? '');
        if (fill !== undefined)
          executions.push(
            toExecution(o, account, instrumentIdOf(o.asset_id), {
              ...fill,
              cumQty: o.filled_qty,
              timeMs: Number.isNaN(t) ? atMs : t,
            }),
          );
      } else if (compareDecimal(reported, o.filled_qty) < 0) {
        this.log.warn({ order: o.id }, 'fills of an order not all reported yet (the next catch-up reports them)');
      }
    }
    const positions = (await this.port.positions())
      .filter((p) => secTypeOf(p.asset_class) !== undefined)
      .map((p) => toPosition(this.config.name, account, p, this.positionSymbol(p)));
    const parts = snapshotParts({
      openOrders,
      completedOrders,
      executions: sinceMs === undefined ? executions : executions.filter((x) => x.execTimeMs >= sinceMs),
      positions,
    });
    for (const [i, lists] of parts.entries())
      await this.publishEvent('reconciliationSnapshot', {
        eventId: eventIdOf('recon', reconId, String(i + 1)),
        reconId,
        part: i + 1,
        parts: parts.length,
        ...(sinceMs === undefined ? {} : { executionsSinceMs: sinceMs }),
        requestedAtMs: atMs,
        instanceId: this.instanceId,
        session: this.session,
        ...lists,
      });
    return parts.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.stream.stop();
    this.data.stop();
    this.cryptoData.stop();
    await this.work;
  }
}

export { execIdOf };
