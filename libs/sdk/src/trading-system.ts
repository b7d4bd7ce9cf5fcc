/**
 * The TradingSystem SDK: one object for brokers, historical data, live quotes, orders, positions and history.
 * `TradingSystem.open()` connects to a deployed stack over NATS when NATS_URL is set, otherwise starts the whole
 * system in this process (ib-sim as the default broker `sim`). Every call maps to one documented subject
 * (docs/subjects.md); failures are TradingSystemError subclasses with the registry code and a hint.
 */
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BarsResult,
  GatewayClient,
  MarketDataClient,
  type ServiceClients,
  serviceClients,
} from '@trading-system/clients';
import {
  type AccountSummary,
  BROKER_TYPES,
  BrokerConnection,
  type BrokerInfo,
  type BrokerType,
  isBrokerType,
  type OrderEvent,
  type OrderType,
  type Position,
  type RiskLimits,
  Subjects,
  type TradingMode,
  type TradingState,
} from '@trading-system/contracts';
import { createLogger, type Logger } from '@trading-system/runtime';
import { type AcrossBrokers, acrossBrokers, valuePositions } from './accounts.js';
import { addBroker } from './add-broker.js';
import { type Connection, connect, embeddedConnection, type OpenOptions } from './connect.js';
import { toBar, toInstrumentRef, toOrder, toTrade } from './convert.js';
import { ClosedError, sdkError, TradingSystemError, toSdkError, ValidationError } from './errors.js';
import type { InProcessSystem } from './in-process.js';
import { openQuoteSubscription, quoteIterator } from './market-data.js';
import { type OptionChain, type OptionChainOptions, optionChainRequest, toOptionChain } from './options.js';
import { followOrderViews } from './order-views.js';
import {
  allPages,
  barsQuery,
  describeSymbol,
  historyQuery,
  listOrdersRequest,
  modifyRequest,
  optional,
  riskLimitsRequest,
  type Side,
  type Symbolish,
  submitRequest,
} from './requests.js';
import type {
  BrokerConfig,
  DecimalInput,
  ExportResult,
  HistoricalColumns,
  HistoricalData,
  HistoricalDataOptions,
  HistoricalMeta,
  HistoryFilter,
  HistoryRange,
  MarketDataOptions,
  MarketDataSubscription,
  ModifyOrderChanges,
  Order,
  OrderFilter,
  OrderOptions,
  OrderResult,
  Quote,
  QuoteSnapshot,
  RiskLimitsInput,
  Trade,
} from './types.js';

export class TradingSystem {
  /** `embedded`: the system runs inside this process; `nats`: connected to a deployed stack. */
  readonly mode: 'embedded' | 'nats';
  /** Broker used when a call names none. */
  readonly defaultBroker: string;
  readonly gatewayType: string;
  /** Gateway token per broker type, when known without asking (options, the embedded system's own). */
  private readonly gateways: Readonly<Partial<Record<BrokerType, string>>>;
  /** The broker type each asked gateway token said it hosts (undefined: it did not say). */
  private readonly hostedTypes = new Map<string, Promise<string | undefined>>();
  private readonly conn: Connection;
  private readonly timeoutMs: number;
  /** One typed client per service (libs/clients); every call below goes through one of them. */
  private readonly clients: ServiceClients;
  private readonly cleanups = new Set<() => Promise<void>>();
  private closed: Promise<void> | undefined;
  private signalStopping: () => void = () => undefined;
  /** Resolves when shutdown() starts (ends async iterators that wait for data). */
  private readonly stopping = new Promise<void>((resolve) => {
    this.signalStopping = resolve;
  });

  private constructor(conn: Connection, options: OpenOptions) {
    this.conn = conn;
    this.mode = conn.mode;
    const env = options.env ?? process.env;
    this.defaultBroker = conn.embedded?.broker ?? options.defaultBroker ?? env.BROKER_NAME ?? 'sim';
    this.gatewayType = conn.embedded?.gatewayType ?? options.gatewayType ?? env.GATEWAY_TYPE ?? 'ib';
    const e = conn.embedded;
    this.gateways = {
      ...(e === undefined ? {} : { ib: e.gatewayType, paper: e.paperGatewayType, alpaca: e.alpacaGatewayType }),
      ...options.gateways,
    };
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.clients = serviceClients(conn.bus, { timeoutMs: this.timeoutMs });
  }

  /** Connects (NATS_URL / `natsUrl`) or starts the embedded system; call `shutdown()` when done. */
  static async open(options: OpenOptions = {}): Promise<TradingSystem> {
    return new TradingSystem(await connect(options), options);
  }

  /**
   * A TradingSystem over a system this process already runs (`startEmbedded` of services/embedded: what `npm start`
   * hands the dashboard). shutdown() ends this object's subscriptions and leaves the system running: its owner
   * stops it.
   */
  static attach(
    system: InProcessSystem,
    options: { readonly logger?: Logger; readonly requestTimeoutMs?: number } = {},
  ): TradingSystem {
    const logger = options.logger ?? createLogger({ service: 'sdk', level: 'warn', destination: process.stderr });
    const conn = embeddedConnection(system, logger, async () => undefined);
    return new TradingSystem(conn, { env: {}, ...optional({ requestTimeoutMs: options.requestTimeoutMs }) });
  }

  /** The underlying bus (for subjects the SDK does not wrap). */
  get bus(): Bus {
    return this.conn.bus;
  }

  /** Where things are (embedded: bus, database, broker port), one line each. */
  describe(): string[] {
    return [...this.conn.where, `default broker: ${this.defaultBroker}`];
  }

  // Brokers

  /**
   * Opens a named broker connection of broker `type` (one of contracts' BROKER_TYPES: `ib`, `paper`, `alpaca`)
   * with that type's settings (`config`, its schema in contracts brokers/), and resolves once its session is
   * connected, so the next call can use it (`waitMs`, default 15 s; 0 = do not wait). The OMS
   * routes orders to it at once (a deployed OMS adopts announced brokers unless its operator set
   * ORDERS_ADOPT_BROKERS=false). Nothing answering where the connection points is a BrokerError
   * `BROKER_UNREACHABLE` as soon as the type's gateway says so (its message and hint: what to start), and nothing
   * stays added. A type the contract does not know is a BrokerError
   * `BROKER_TYPE_UNKNOWN` at once, naming the known ones (details.known); nothing is asked.
   */
  async addBroker<T extends string>(
    name: string,
    type: T,
    config: BrokerConfig<T>,
    options: { readonly waitMs?: number } = {},
  ): Promise<BrokerInfo> {
    if (!isBrokerType(type))
      throw sdkError(
        'BROKER_TYPE_UNKNOWN',
        `addBroker ${name}: unknown broker type '${type}'; known types: ${BROKER_TYPES.join(', ')}`,
        { details: { type, known: [...BROKER_TYPES] } },
      );
    const connection = BrokerConnection.safeParse({ ...config, type });
    if (!connection.success)
      throw new ValidationError('VALIDATION_FAILED', `broker config (${type}): ${connection.error.message}`);
    const embedded = this.conn.embedded;
    return addBroker(
      {
        bus: this.bus,
        gateways: this.clients.gateways,
        ask: (what, fn) => this.ask(what, fn),
        remove: (n, gateway) => this.removeBroker(n, gateway),
        builtIn:
          embedded === undefined
            ? undefined
            : {
                broker: embedded.broker,
                ...(embedded.sim === undefined ? {} : { at: `${embedded.sim.host}:${embedded.sim.port}` }),
              },
      },
      name,
      await this.gatewayOf(type),
      connection.data,
      options.waitMs ?? 15_000,
    );
  }

  /**
   * The subject token of the gateway hosting broker type `t` (`gateway.<token>.cmd.*`): the one named for it
   * (`gateways`, the embedded system's own); else the system's gateway (`gatewayType`, GATEWAY_TYPE) when it says it
   * hosts `t`; else the type's own name. Anything not a broker type is taken as a token already (removeBroker /
   * listBrokers callers that pass one).
   */
  private async gatewayOf(t: string): Promise<string> {
    if (!isBrokerType(t)) return t;
    const named = this.gateways[t];
    if (named !== undefined) return named;
    if (this.gatewayType === t) return t;
    return (await this.hostedType(this.gatewayType)) === t ? this.gatewayType : t;
  }

  /** The broker type gateway `token` hosts, as it says (asked once); undefined when it does not answer or say. */
  private hostedType(token: string): Promise<string | undefined> {
    let known = this.hostedTypes.get(token);
    if (known === undefined) {
      // A short wait: this only picks a default, and a gateway that does not answer hosts nothing we can use.
      known = new GatewayClient(this.bus, { timeoutMs: Math.min(this.timeoutMs, 5_000) })
        .call(token, 'listBrokers', { v: 1 })
        .then((r) => r.brokerType)
        .catch(() => undefined);
      this.hostedTypes.set(token, known);
    }
    return known;
  }

  async removeBroker(name: string, type = this.gatewayType): Promise<void> {
    const gateway = await this.gatewayOf(type);
    await this.ask(`removeBroker ${name}`, () => this.clients.gateways.call(gateway, 'removeBroker', { v: 1, name }));
  }

  async listBrokers(type = this.gatewayType): Promise<BrokerInfo[]> {
    const gateway = await this.gatewayOf(type);
    const r = await this.ask('listBrokers', () => this.clients.gateways.call(gateway, 'listBrokers', { v: 1 }));
    return r.brokers;
  }

  // Historical data

  /**
   * Bars of `duration` ("5d" = five sessions, "2w", "1y"; IB's "5 D" is taken too) back from now (or `options.end`), or of a range `{ start, end }`, in
   * `barSize` ("1 hour", "5 mins", or any timeframe token like "7m"). Served from the history cache, back-filled from the broker under pacing.
   */
  async getHistoricalData(
    symbol: Symbolish,
    exchange: string | undefined,
    duration: string | HistoryRange,
    barSize: string,
    options: HistoricalDataOptions = {},
  ): Promise<HistoricalData> {
    const query = barsQuery(this.defaultBroker, symbol, exchange, duration, barSize, options);
    const r = await this.ask(`historical data for ${describeSymbol(symbol)}`, () => this.clients.history.bars(query));
    return Object.assign(r.bars.map(toBar), historicalMeta(r));
  }

  /**
   * The bars of a getHistoricalData query as columns — one typed array per field, decoded as the chunks arrive —
   * for long series (a year of 1-minute bars is ~100k objects on the array form). Prices and volumes are doubles.
   */
  async getHistoricalColumns(
    symbol: Symbolish,
    exchange: string | undefined,
    duration: string | HistoryRange,
    barSize: string,
    options: HistoricalDataOptions = {},
  ): Promise<HistoricalColumns> {
    const query = barsQuery(this.defaultBroker, symbol, exchange, duration, barSize, options);
    const what = `historical data for ${describeSymbol(symbol)}`;
    const r = await this.ask(what, () => this.clients.history.columns(query));
    return { ...r.columns, ...historicalMeta(r) };
  }

  /**
   * Writes the bars of a getHistoricalData query as CSV to `filename` (produced by the history service). The span
   * is a duration back from now (`'1mo'`) or a range: `{ start: '2024-01-02', end: '2024-02-01' }`.
   */
  async exportHistoricalData(
    symbol: Symbolish,
    exchange: string | undefined,
    duration: string | HistoryRange,
    barSize: string,
    filename: string,
    options: HistoricalDataOptions = {},
  ): Promise<ExportResult> {
    const query = barsQuery(this.defaultBroker, symbol, exchange, duration, barSize, options);
    const what = `export of ${describeSymbol(symbol)}`;
    const { text, rows, partial } = await this.ask(what, () => this.clients.history.export({ what: 'bars', query }));
    await writeFile(filename, text, 'utf8');
    return { filename, rows, partial };
  }

  // Market data

  /** Calls `callback` with every quote change until the returned subscription is unsubscribed. */
  async subscribeMarketData(
    symbol: Symbolish,
    exchange: string | undefined,
    callback: (quote: Quote) => void,
    options: MarketDataOptions = {},
  ): Promise<MarketDataSubscription> {
    this.assertOpen();
    const subscription = await openQuoteSubscription(
      this.bus,
      this.clients.marketData,
      {
        broker: options.broker ?? this.defaultBroker,
        instrument: toInstrumentRef(symbol, exchange, options),
        ttlMs: options.leaseTtlMs ?? 60_000,
        onError: options.onError ?? ((err) => this.conn.logger.warn({ err }, 'market data lease renewal failed')),
      },
      callback,
    );
    const cleanup = async (): Promise<void> => subscription.unsubscribe();
    this.cleanups.add(cleanup);
    return {
      instrument: subscription.instrument,
      unsubscribe: async () => {
        this.cleanups.delete(cleanup);
        await subscription.unsubscribe();
      },
    };
  }

  /**
   * The option chain of an underlying (expirations, strikes, listings per exchange), cached by the gateway; pick a
   * contract with `optionContract(chain, expiry, strike, right)`. Option quotes carry `greeks`.
   */
  async getOptionChain(symbol: Symbolish, options: OptionChainOptions = {}): Promise<OptionChain> {
    const broker = options.broker ?? this.defaultBroker;
    const what = `option chain of ${describeSymbol(symbol)}`;
    const body = optionChainRequest(symbol, options);
    return toOptionChain((await this.ask(what, () => this.clients.brokers.call(broker, 'optionChain', body))).chain);
  }

  /** Quotes as an async iterator: `for await (const q of ts.marketData('AAPL', 'SMART')) { ... break; }`. */
  marketData(symbol: Symbolish, exchange?: string, options: MarketDataOptions = {}): AsyncGenerator<Quote, void> {
    return quoteIterator((onQuote) => this.subscribeMarketData(symbol, exchange, onQuote, options), this.stopping);
  }

  /**
   * The latest quote of up to 100 instruments in one request (market-data's cache, else one broker snapshot each),
   * a row per instrument in the order given: `{ ok: true, tick, ageMs, state }` or `{ ok: false, code, message }`
   * for one that has none (unknown contract, no data) — one bad symbol does not fail the others.
   */
  async getQuoteSnapshots(
    contracts: readonly Symbolish[],
    options: { exchange?: string; broker?: string; cachedOnly?: boolean; timeoutMs?: number } = {},
  ): Promise<QuoteSnapshot[]> {
    const body = {
      v: 1 as const,
      broker: options.broker ?? this.defaultBroker,
      instruments: contracts.map((c) => toInstrumentRef(c, options.exchange)),
      cachedOnly: options.cachedOnly ?? false,
    };
    // A snapshot of many instruments the cache lacks waits for the broker's, one line each: callers may wait longer.
    const md =
      options.timeoutMs === undefined
        ? this.clients.marketData
        : new MarketDataClient(this.bus, { timeoutMs: options.timeoutMs });
    return (await this.ask('quote snapshot', () => md.snapshot(body))).items;
  }

  // Orders

  submitMarketOrder(
    symbol: Symbolish,
    exchange: string | undefined,
    side: Side,
    quantity: DecimalInput,
    options?: OrderOptions,
  ) {
    return this.submit(symbol, exchange, side, quantity, 'MKT', {}, options);
  }

  submitLimitOrder(
    symbol: Symbolish,
    exchange: string | undefined,
    side: Side,
    quantity: DecimalInput,
    limitPrice: DecimalInput,
    options?: OrderOptions,
  ): Promise<OrderResult> {
    return this.submit(symbol, exchange, side, quantity, 'LMT', { limitPrice }, options);
  }

  submitStopOrder(
    symbol: Symbolish,
    exchange: string | undefined,
    side: Side,
    quantity: DecimalInput,
    stopPrice: DecimalInput,
    options?: OrderOptions,
  ): Promise<OrderResult> {
    return this.submit(symbol, exchange, side, quantity, 'STP', { stopPrice }, options);
  }

  submitStopLimitOrder(
    symbol: Symbolish,
    exchange: string | undefined,
    side: Side,
    quantity: DecimalInput,
    stopPrice: DecimalInput,
    limitPrice: DecimalInput,
    options?: OrderOptions,
  ): Promise<OrderResult> {
    return this.submit(symbol, exchange, side, quantity, 'STP LMT', { stopPrice, limitPrice }, options);
  }

  /** Changes quantity (new total), prices or TIF of a working order; the outcome arrives as order updates. */
  async modifyOrder(orderId: string, changes: ModifyOrderChanges): Promise<Order> {
    const body = modifyRequest(orderId, changes);
    const r = await this.ask(`modify ${orderId}`, () => this.clients.orders.modify(body));
    return toOrder(r.order);
  }

  async cancelOrder(orderId: string): Promise<Order> {
    const r = await this.ask(`cancel ${orderId}`, () => this.clients.orders.cancel({ v: 1, clientOrderId: orderId }));
    return toOrder(r.order);
  }

  async getOrderStatus(orderId: string): Promise<Order> {
    const r = await this.ask(`order ${orderId}`, () => this.clients.orders.get({ v: 1, clientOrderId: orderId }));
    return toOrder(r.order);
  }

  /** Orders known to the OMS, newest first (default: open ones only), all pages. */
  async getAllOrders(filter: OrderFilter = {}): Promise<Order[]> {
    const orders = await allPages(async (cursor) => {
      const r = await this.ask('list orders', () => this.clients.orders.list(listOrdersRequest(filter, cursor)));
      return { items: r.orders, nextCursor: r.nextCursor };
    });
    return orders.map(toOrder);
  }

  /**
   * Every order event (accepted, statusChanged, partiallyFilled, filled, cancelled, rejected, ...) as it happens;
   * returns the function that stops the updates. Filter by `broker` to see one broker's orders only.
   */
  onOrderUpdate(callback: (event: OrderEvent) => void, options: { broker?: string } = {}): () => void {
    this.assertOpen();
    const subject = Subjects.orderEvent.filter({ broker: options.broker });
    const sub: Subscription = this.bus.subscribe<OrderEvent>(subject, (m) => callback(m.data));
    const cleanup = async (): Promise<void> => sub.unsubscribe();
    this.cleanups.add(cleanup);
    return () => {
      this.cleanups.delete(cleanup);
      sub.unsubscribe();
    };
  }

  /**
   * Each order's view after every event of it, as `getOrderStatus` would answer it: the event folded with the
   * order's earlier ones by the one fold of order events (contracts `foldOrder`, the OMS's and history's too), with
   * the event that changed it. An order that began before the subscription is completed from `orders.get` first.
   * Returns the function that stops the updates. Filter by `broker` to see one broker's orders only.
   */
  onOrderView(callback: (order: Order, event: OrderEvent) => void, options: { broker?: string } = {}): () => void {
    this.assertOpen();
    const stop = followOrderViews(
      {
        bus: this.bus,
        logger: this.conn.logger,
        getOrder: (id) => this.ask(`order ${id}`, () => this.clients.orders.get({ v: 1, clientOrderId: id })),
      },
      (view, event) => callback(toOrder(view), event),
      options.broker,
    );
    const cleanup = async (): Promise<void> => stop();
    this.cleanups.add(cleanup);
    return () => {
      this.cleanups.delete(cleanup);
      stop();
    };
  }

  // Account

  /**
   * Positions as the broker reports them, of `broker` or, with none named, of every broker (every gateway's
   * listBrokers); brokers that did not answer are listed in `unavailable`. Price, value and unrealized PnL the
   * broker left out are filled from a quote snapshot (`value: false` skips that).
   */
  async getPositions(
    options: { broker?: string; account?: string; value?: boolean } = {},
  ): Promise<AcrossBrokers<Position>> {
    const one = async (broker: string): Promise<Position[]> => {
      const body = { v: 1 as const, ...optional({ account: options.account }) };
      const r = await this.ask(`positions of ${broker}`, () => this.clients.brokers.positions(broker, body));
      if (options.value === false) return r.positions;
      return valuePositions(this.clients, broker, r.positions, (p, why) =>
        this.conn.logger.debug(
          { broker, instrumentId: p.instrumentId, symbol: p.symbol, why },
          'position left without a price',
        ),
      );
    };
    if (options.broker !== undefined) return Object.assign(await one(options.broker), { unavailable: [] });
    return acrossBrokers(await this.brokerNames(), one);
  }

  /**
   * Account values and PnL. With `broker`: that broker's `account` (or its only account). Without: every account of
   * every broker (brokers that did not answer listed in `unavailable`), only `account` when given.
   */
  async getAccountInfo(options: { broker: string; account?: string }): Promise<AccountSummary>;
  async getAccountInfo(options?: { account?: string }): Promise<AcrossBrokers<AccountSummary>>;
  async getAccountInfo(
    options: { broker?: string; account?: string } = {},
  ): Promise<AccountSummary | AcrossBrokers<AccountSummary>> {
    const accountsOf = async (broker: string): Promise<AccountSummary[]> => {
      const body = { v: 1 as const, ...optional({ account: options.account }) };
      const r = await this.ask(`account of ${broker}`, () => this.clients.brokers.accountSummary(broker, body));
      return r.accounts;
    };
    if (options.broker === undefined) return acrossBrokers(await this.brokerNames(), accountsOf);
    const broker = options.broker;
    const accounts = await accountsOf(broker);
    const first = accounts[0];
    if (first === undefined || (options.account === undefined && accounts.length > 1))
      throw sdkError(
        'ACCOUNT_UNKNOWN',
        `broker ${broker} reports accounts [${accounts.map((a) => a.account).join(', ')}]; name one with { account }`,
      );
    return first;
  }

  // Operator: cancel everything, trading state, risk limits (the OMS's orders.cancelAll / tradingState / riskLimits)

  /** Asks the OMS to cancel every open order (of one broker, account or strategy when given); the ids it asked for. */
  async cancelAll(filter: { broker?: string; account?: string; strategy?: string } = {}): Promise<string[]> {
    const r = await this.ask('cancel all orders', () => this.clients.orders.cancelAll({ v: 1, ...optional(filter) }));
    return r.cancelRequested;
  }

  /** The OMS's trading mode: `active`, `reducingOnly` (only orders that reduce a position) or `halted`. */
  async getTradingState(): Promise<TradingState> {
    return (await this.ask('trading state', () => this.clients.orders.tradingState({ v: 1 }))).state;
  }

  /**
   * Sets the trading mode. `halted`: no new orders or modifications (cancels still work); `reducingOnly`: only
   * orders that reduce a position; `active`: everything. Needs the operator's permission on a secured NATS.
   */
  async setTradingState(
    mode: TradingMode,
    options: { reason?: string; changedBy?: string } = {},
  ): Promise<TradingState> {
    const set = { mode, reason: options.reason ?? `set to ${mode}`, changedBy: options.changedBy ?? whoAmI() };
    const r = await this.ask(`trading ${mode}`, () => this.clients.orders.tradingState({ v: 1, set }));
    return r.state;
  }

  /** The OMS's risk limits: the default set, or one account's / strategy's (`scope`). Absent = not checked. */
  async getRiskLimits(scope: { account?: string; strategy?: string } = {}): Promise<RiskLimits> {
    const body = {
      v: 1 as const,
      ...(scope.account === undefined && scope.strategy === undefined ? {} : { scope: optional(scope) }),
    };
    return (await this.ask('risk limits', () => this.clients.orders.riskLimits(body))).limits;
  }

  /**
   * Replaces a set of risk limits (the default set, or one account's / strategy's); numbers or decimal strings.
   * The default set keeps the shipped limits it does not name (services/orders README: raise or lower, never remove).
   */
  async setRiskLimits(
    limits: RiskLimitsInput,
    scope: { account?: string; strategy?: string } = {},
  ): Promise<RiskLimits> {
    const body = {
      v: 1 as const,
      set: riskLimitsRequest(limits),
      ...(scope.account === undefined && scope.strategy === undefined ? {} : { scope: optional(scope) }),
    };
    return (await this.ask('set risk limits', () => this.clients.orders.riskLimits(body))).limits;
  }

  // History

  /** Order audit trail (history read model), newest first, all pages. */
  async getOrderHistory(filter: HistoryFilter & { status?: 'open' | 'final' | 'all' } = {}): Promise<Order[]> {
    const orders = await allPages(async (cursor) => {
      const query = { ...historyQuery(filter, cursor), ...optional({ status: filter.status }) };
      const r = await this.ask('order history', () => this.clients.history.orders({ v: 1, query }));
      return { items: r.orders, nextCursor: r.nextCursor };
    });
    return orders.map(toOrder);
  }

  /** Fills, newest first, all pages. */
  async getTradeHistory(filter: HistoryFilter = {}): Promise<Trade[]> {
    const trades = await allPages(async (cursor) => {
      const query = historyQuery(filter, cursor);
      const r = await this.ask('trade history', () => this.clients.history.trades({ v: 1, query }));
      return { items: r.trades, nextCursor: r.nextCursor };
    });
    return trades.map(toTrade);
  }

  /** Ends subscriptions and order updates, then disconnects (or stops the embedded system). Idempotent. */
  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      this.signalStopping();
      for (const cleanup of [...this.cleanups].reverse()) {
        try {
          await cleanup();
        } catch (err) {
          this.conn.logger.warn({ err }, 'cleanup during shutdown failed');
        }
      }
      this.cleanups.clear();
      await this.conn.close();
    })();
    return this.closed;
  }

  /** Names of every broker connection of every broker type (the gateways of ib, paper, ...). */
  private async brokerNames(): Promise<string[]> {
    // Every broker type's gateway is asked; a type no gateway hosts here (no responders) has no brokers.
    const lists = await Promise.all(
      BROKER_TYPES.map((t) =>
        this.listBrokers(t).catch((err: unknown) => {
          if (err instanceof TradingSystemError && err.code === 'NO_RESPONDERS') return [];
          throw err;
        }),
      ),
    );
    return [...new Set(lists.flat().map((b) => b.name))];
  }

  private async submit(
    symbol: Symbolish,
    exchange: string | undefined,
    side: Side,
    quantity: DecimalInput,
    orderType: OrderType,
    prices: { limitPrice?: DecimalInput; stopPrice?: DecimalInput },
    options: OrderOptions = {},
  ): Promise<OrderResult> {
    const body = submitRequest(this.defaultBroker, symbol, exchange, side, quantity, orderType, prices, options);
    const what = `${orderType} order for ${describeSymbol(symbol)}`;
    const r = await this.ask(what, () => this.clients.orders.submit(body));
    const order = toOrder(r.order);
    return { orderId: order.orderId, status: order.status, order };
  }

  /** One call of a service client; whatever it throws becomes a TradingSystemError saying `what` failed. */
  private async ask<R>(what: string, call: () => Promise<R>): Promise<R> {
    this.assertOpen();
    try {
      return await call();
    } catch (err) {
      throw toSdkError(err, what);
    }
  }

  private assertOpen(): void {
    if (this.closed !== undefined) throw new ClosedError('SERVICE_UNAVAILABLE', 'this TradingSystem was shut down');
  }
}

/** Who changed the trading state, as the OMS records it (`sdk:<user>`). */
function whoAmI(): string {
  try {
    return `sdk:${userInfo().username}`.slice(0, 64);
  } catch {
    // No user entry (a container with an arbitrary uid): the OMS still records that the SDK did it.
    return 'sdk';
  }
}

/** The request's metadata as the SDK gives it beside the bars (missing ranges with Dates). */
function historicalMeta(r: Omit<BarsResult, 'bars'>): HistoricalMeta {
  return {
    instrument: r.instrument,
    timeframe: r.timeframe,
    partial: r.partial,
    missing: r.missing.map((m) => ({
      start: new Date(m.startMs),
      end: new Date(m.endMs),
      code: m.code,
      message: m.message,
    })),
  };
}
