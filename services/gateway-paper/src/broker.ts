/**
 * One hosted paper broker: its venue (the exchange core and its books), its quote source, and the thin
 * `broker.<name>.cmd.*` handlers (parse → venue → reply). Its status follows the quote source: `connected` while
 * the source is, `degraded` otherwise (orders are still taken and rest; nothing matches without quotes). It is
 * never `disconnected` while running: the broker runs inside this process, there is no link to lose.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import {
  BROKER_COMMAND_VERBS,
  type BrokerCancelOrderRequest,
  type BrokerCapabilities,
  type BrokerCommandVerb,
  type BrokerInfo,
  type BrokerMdSnapshotRequest,
  type BrokerMdSubscribeRequest,
  type BrokerMdUnsubscribeRequest,
  type BrokerModifyOrderRequest,
  type BrokerNotice,
  type BrokerPlaceOrderRequest,
  type BrokerStatus,
  brokerNowMs,
  type ConnectionState,
  errorReply,
  type Instrument,
  orderCapabilityProblem,
  PAPER_BROKER_TYPE,
  type PaperBrokerDetails,
  type ReconcileRequest,
  type SecType,
  Subjects,
  snapshotParts,
  type Tick,
  type TimeInForce,
  type Trade,
} from '@trading-system/contracts';
import type { AccountConfig, Clock } from '@trading-system/exchange';
import type { Logger } from '@trading-system/runtime';
import type { Kysely } from '@trading-system/storage';
import type { PaperDb } from './db-types.js';
import { Refusal } from './errors.js';
import { coreOrderIdOf, toAccountSummary, toBrokerOrder, toExecutionData, toPosition } from './facts.js';
import type { MarketHours } from './instruments.js';
import { type OutboxRelay, startOutboxRelay } from './outbox-relay.js';
import { ReplayFeed, type ReplayOptions, replayClock } from './replay.js';
import { Shadow } from './shadow.js';
import { PaperStore } from './store.js';
import { PaperVenue, type PlaceRequest } from './venue.js';

export interface PaperBrokerConfig {
  /** Broker connection name: the `<broker>` token of its subjects. */
  readonly name: string;
  /** The broker whose quotes, instruments and history it uses (`sim`, `ib_paper`). */
  readonly quotesFrom: string;
  /** The paper account (default `PAPER`), with its opening cash in USD (default 1,000,000). */
  readonly account?: string;
  readonly startingCash?: number;
  readonly marketHours?: MarketHours;
  /**
   * Prices from a replay of the source's history instead of its live quotes: from `fromMs` at `speed` × wall time.
   * The replay's time is the paper market's (a restart resumes at the last committed moment).
   */
  readonly replay?: ReplayOptions;
}

export interface BrokerOptions {
  /** Token of the gateway hosting the broker (`gateway.<type>.cmd.*`), as its status and info report it. */
  readonly gatewayType: string;
  readonly clock: Clock;
  /** Status publish period, ms. */
  readonly statusEveryMs: number;
  /** Matching / DAY-expiry period when no tick arrives, ms. */
  readonly stepEveryMs: number;
  /** Timeout of a command to the quote source, ms. */
  readonly sourceTimeoutMs: number;
}

export class PaperBroker {
  private readonly subs: Subscription[] = [];
  /** Instruments whose source ticks are re-published under our name (subscribed through us). */
  private readonly tickLines = new Set<string>();
  /** Source 5-s bar subscriptions re-published under our name, by instrumentId. */
  private readonly barLines = new Map<string, Subscription>();
  private readonly instanceId = `paper-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  private state: ConnectionState = 'degraded';
  /** When the quote source last went from quoting to not (or back), epoch ms: its feed's sinceMs. */
  private sourceSinceMs = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;

  private constructor(
    private readonly bus: Bus,
    readonly config: PaperBrokerConfig,
    private readonly gatewayType: string,
    private readonly venue: PaperVenue,
    private readonly shadow: Shadow,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly replay: ReplayFeed | undefined,
    log: Logger,
  ) {
    this.log = log;
  }

  static async start(
    bus: Bus,
    db: Kysely<PaperDb>,
    config: PaperBrokerConfig,
    options: BrokerOptions,
    logger: Logger,
  ): Promise<PaperBroker> {
    const log = logger.child({ component: 'paper-broker', broker: config.name });
    const store = new PaperStore(db, config.name);
    const relay = startOutboxRelay({ bus, store, log, retryMs: 500 });
    const accounts: AccountConfig[] = [
      { id: config.account ?? 'PAPER', startingCash: { USD: config.startingCash ?? 1_000_000 } },
    ];
    const clock = config.replay === undefined ? options.clock : replayClock(config.replay, await store.loadSavedAt());
    const venue = await PaperVenue.open(
      {
        broker: config.name,
        store,
        clock,
        accounts,
        hours: config.marketHours ?? 'calendar',
        onCommitted: () => relay.kick(),
      },
      await store.loadInstruments(),
    );
    let broker: PaperBroker | undefined;
    const shadow = new Shadow(
      bus,
      config.quotesFrom,
      options.sourceTimeoutMs,
      {
        tick: (t) => broker?.onTick(t),
        trade: (t) => broker?.onTrade(t),
        status: (s) => broker?.onSourceStatus(s),
      },
      (err, what) => log.warn({ err }, `quote source: ${what} failed`),
    );
    const replay =
      config.replay === undefined
        ? undefined
        : new ReplayFeed(
            shadow,
            clock,
            config.quotesFrom,
            (t) => broker?.onTick(t),
            (err, what) => log.warn({ err }, `replay: ${what} failed`),
          );
    broker = new PaperBroker(bus, config, options.gatewayType, venue, shadow, relay, clock, replay, log);
    broker.serve();
    await shadow.start();
    broker.timers.push(
      setInterval(() => broker?.publishStatus(), options.statusEveryMs),
      setInterval(() => {
        if (venue.hasOpenOrders()) broker?.step();
      }, options.stepEveryMs),
    );
    broker.publishStatus();
    // Crash-only: every start announces the whole truth, as a broker does on every (re)connect.
    await broker.reconcile({ v: 1, reconId: `start-${broker.instanceId}` }).catch((err: unknown) => {
      log.warn({ err }, 'start-up reconciliation snapshot not published');
    });
    return broker;
  }

  private step(): void {
    this.venue.step().catch((err: unknown) => this.log.error({ err }, 'matching step failed'));
  }

  private onTick(t: Tick): void {
    if (this.venue.quotes.update(t) && this.venue.hasOpenOrders()) this.step();
    if (this.tickLines.has(t.instrumentId))
      this.bus.publish(Subjects.mdTick.build({ broker: this.config.name, instrument: t.instrumentId }), {
        ...t,
        broker: this.config.name,
      });
  }

  /** The source's exact trades, re-published under our name while we hold the line (replays have none). */
  private onTrade(t: Trade): void {
    if (this.tickLines.has(t.instrumentId))
      this.bus.publish(Subjects.mdTrade.build({ broker: this.config.name, instrument: t.instrumentId }), {
        ...t,
        broker: this.config.name,
      });
  }

  private onSourceStatus(s: BrokerStatus): void {
    const next: ConnectionState = s.state === 'connected' ? 'connected' : 'degraded';
    if (next === 'connected') this.watchOpenOrders();
    if (next !== this.state) {
      this.state = next;
      this.sourceSinceMs = Date.now();
      this.publishStatus();
    }
  }

  /** A quote line for an instrument: the source's live ticks, or its history replayed. */
  private async watch(instrumentId: string): Promise<void> {
    if (this.replay === undefined) return this.shadow.watch(instrumentId);
    const i = await this.ensureInstrument(instrumentId);
    await this.replay.watch(instrumentId, Number(i.minTick));
  }

  private watching(instrumentId: string): boolean {
    return this.replay === undefined ? this.shadow.watching(instrumentId) : this.replay.watching(instrumentId);
  }

  /** Quote lines for every working order's instrument (after a start, or when the source comes back). */
  private watchOpenOrders(): void {
    for (const instrumentId of new Set(this.venue.openOrders().map((o) => o.instrumentId)))
      if (!this.watching(instrumentId))
        this.watch(instrumentId).catch((err: unknown) => this.log.warn({ err, instrumentId }, 'no quote line'));
  }

  /**
   * What the exchange core takes (every order type and TIF, outside-RTH by session, whole units; no IND), and what
   * the source serves for us (its history limits and market-data lines: our quotes are its lines). Asset classes
   * are the core's that the source trades too: the source qualifies and quotes every instrument we trade.
   */
  capabilities(): BrokerCapabilities {
    const source = this.shadow.last?.capabilities;
    const tifs: TimeInForce[] = ['DAY', 'GTC', 'IOC', 'FOK'];
    const core: SecType[] = ['STK', 'CASH', 'FUT', 'OPT', 'CMDTY'];
    return {
      assetClasses: core.filter((a) => source?.assetClasses.includes(a) === true),
      orderTypes: { MKT: tifs, LMT: tifs, STP: tifs, 'STP LMT': tifs },
      outsideRth: ['MKT', 'LMT', 'STP', 'STP LMT'],
      fractionalQuantity: [],
      modify: true,
      ...(source?.history === undefined ? {} : { history: source.history }),
      marketDataLines: source?.marketDataLines ?? 0,
    };
  }

  status(): BrokerStatus {
    const source = this.shadow.last;
    const tsMs = Date.now();
    const brokerTimeMs = this.brokerTimeAt(tsMs, source);
    return {
      v: 1,
      broker: this.config.name,
      gatewayType: this.gatewayType,
      state: this.state,
      // One feed: the source whose quotes price our orders (or the replay of its history).
      feeds: [
        {
          name: this.replay === undefined ? this.config.quotesFrom : `replay-${this.config.quotesFrom}`,
          kind: 'market',
          state: this.state === 'connected' ? 'ok' : 'broken',
          sinceMs: this.sourceSinceMs,
        },
      ],
      ...(this.state === 'connected' ? {} : { notice: this.sourceNotice(source) }),
      accounts: this.venue.accounts(),
      paper: true,
      tsMs,
      ...(brokerTimeMs === undefined ? {} : { brokerTimeMs }),
      instanceId: this.instanceId,
      session: 1,
      capabilities: this.capabilities(),
      details: this.details(),
    };
  }

  /**
   * The paper broker's time for BrokerStatus.brokerTimeMs: a replay's clock (the market it replays is that moment's),
   * else its quote source's clock as the source announces it, since the source's quotes and history are what it
   * serves (its history requests go to the source, counted back from the source's now). Undefined while the source
   * announces none.
   */
  private brokerTimeAt(atMs: number, source: BrokerStatus | undefined): number | undefined {
    if (this.replay !== undefined) return this.clock.nowMs();
    return source === undefined ? undefined : brokerNowMs(source, atMs);
  }

  /** Why the paper broker does not trade: its quote source is down, or was never heard of. */
  private sourceNotice(source: BrokerStatus | undefined): BrokerNotice {
    const from = this.config.quotesFrom;
    return {
      kind: source === undefined ? 'unreachable' : 'other',
      code: source === undefined ? 'source-unknown' : `source-${source.state}`,
      message: `quote source ${from} is ${source?.state ?? 'unknown'}`,
      hint: `the paper broker prices orders at ${from}'s quotes: add broker ${from} (or start its gateway) and let it connect`,
      atMs: this.sourceSinceMs,
    };
  }

  private details(): PaperBrokerDetails {
    return {
      type: PAPER_BROKER_TYPE,
      quotesFrom: this.config.quotesFrom,
      account: this.config.account ?? 'PAPER',
      ...(this.config.replay === undefined ? {} : { replay: this.config.replay }),
    };
  }

  info(): BrokerInfo {
    return {
      name: this.config.name,
      gatewayType: this.gatewayType,
      endpoint: `quotes from ${this.config.quotesFrom}`,
      paper: true,
      state: this.state,
      accounts: this.venue.accounts(),
      capabilities: this.capabilities(),
      details: this.details(),
    };
  }

  private publishStatus(): void {
    this.bus.publish(Subjects.brokerStatus.build({ broker: this.config.name }), this.status());
  }

  private serve(): void {
    const handlers: Record<BrokerCommandVerb, (body: never) => Promise<unknown>> = {
      status: async () => ({ v: 1, ok: true, status: this.status() }),
      placeOrder: (b: BrokerPlaceOrderRequest) => this.placeOrder(b),
      modifyOrder: (b: BrokerModifyOrderRequest) => this.modifyOrder(b),
      cancelOrder: async (b: BrokerCancelOrderRequest) => {
        await this.venue.cancel(this.coreOrderId(b), b.clientOrderId);
        return { v: 1, ok: true, clientOrderId: b.clientOrderId, orderId: b.orderId };
      },
      cancelAll: async () => {
        await this.venue.cancelAll();
        return { v: 1, ok: true };
      },
      reconcile: (b: ReconcileRequest) => this.reconcile(b),
      qualifyContract: (b: object) => this.shadow.command('qualifyContract', b as never),
      optionChain: (b: object) => this.shadow.command('optionChain', b as never),
      fetchHistory: (b: { timeoutMs?: number }) =>
        this.shadow.command('fetchHistory', b as never, (b.timeoutMs ?? 60_000) + 5_000),
      historyForecast: (b: object) => this.shadow.command('historyForecast', b as never),
      mdSubscribe: (b: BrokerMdSubscribeRequest) => this.mdSubscribe(b),
      mdUnsubscribe: async (b: BrokerMdUnsubscribeRequest) => {
        const instrumentId = b.instrument.id;
        if (b.streams.includes('ticks')) this.tickLines.delete(instrumentId);
        if (b.streams.includes('rtbars')) {
          if (this.replay !== undefined)
            throw new Refusal('SERVICE_UNAVAILABLE', 'a replaying paper broker serves ticks only, no 5-s bars');
          this.barLines.get(instrumentId)?.unsubscribe();
          this.barLines.delete(instrumentId);
        }
        return { v: 1, ok: true };
      },
      mdSnapshot: (b: BrokerMdSnapshotRequest) => this.mdSnapshot(b),
      positions: async (b: { account?: string }) => ({ v: 1, ok: true, positions: this.positions(b.account) }),
      accountSummary: async (b: { account?: string }) => ({ v: 1, ok: true, accounts: this.summaries(b.account) }),
    };
    const serve = (subject: string, handler: (body: never) => Promise<unknown>): void => {
      this.subs.push(
        this.bus.serve(subject, async (body) => {
          try {
            return await handler(body as never);
          } catch (err) {
            if (err instanceof Refusal) return errorReply(err.code, err.message, err.details);
            this.log.error({ err, subject }, 'paper broker command failed');
            return errorReply('INTERNAL_ERROR', `${subject} failed: ${(err as Error).message}`);
          }
        }),
      );
    };
    for (const verb of BROKER_COMMAND_VERBS)
      serve(Subjects.brokerCommand.build({ broker: this.config.name, verb }), handlers[verb]);
    // The account views clients (SDK, CLI, dashboard) read, as gateway-ib serves them.
    serve(Subjects.accountPositions.build({ broker: this.config.name }), async (b: { account?: string }) => ({
      v: 1,
      ok: true,
      positions: this.positions(b.account),
      tsInitMs: Date.now(),
    }));
    serve(Subjects.accountSummary.build({ broker: this.config.name }), async (b: { account?: string }) => ({
      v: 1,
      ok: true,
      accounts: this.summaries(b.account),
      tsInitMs: Date.now(),
    }));
  }

  /** Open positions, marked at the latest quotes. */
  private positions(account: string | undefined) {
    if (account !== undefined) this.knownAccount(account);
    const marks = new Map(
      this.venue.accounts().flatMap((a) => this.venue.portfolio(a).map((p) => [`${a}/${p.instrumentId}`, p] as const)),
    );
    return this.venue
      .positions(account)
      .filter((p) => p.position !== 0)
      .map((p) => toPosition(this.config.name, p, marks.get(`${p.account}/${p.instrumentId}`)));
  }

  private summaries(account: string | undefined) {
    if (account !== undefined) this.knownAccount(account);
    const ids = account === undefined ? this.venue.accounts() : [account];
    const now = this.clock.nowMs();
    return ids.map((a) => toAccountSummary(this.config.name, this.venue.accountSummary(a), now));
  }

  private knownAccount(account: string): void {
    if (!this.venue.accounts().includes(account))
      throw new Refusal('ACCOUNT_UNKNOWN', `${this.config.name} has no account ${account}`);
  }

  /** The instrument as the source qualifies it, cached in our books. */
  private async ensureInstrument(instrumentId: string): Promise<Instrument> {
    const known = this.venue.instrument(instrumentId);
    if (known !== undefined) return known;
    const r = await this.shadow.command('qualifyContract', {
      v: 1,
      instrument: { id: instrumentId },
      allowMany: false,
    });
    const i = r.instruments[0];
    if (i === undefined)
      throw new Refusal('CONTRACT_UNKNOWN', `instrument ${instrumentId} is unknown to the quote source`);
    await this.venue.addInstrument(i);
    return i;
  }

  /** The instrument and a quote line for it. */
  private async prepare(instrumentId: string): Promise<void> {
    await this.ensureInstrument(instrumentId);
    await this.watch(instrumentId);
  }

  private toPlace(b: BrokerPlaceOrderRequest): PlaceRequest {
    this.knownAccount(b.account);
    return {
      clientOrderId: b.clientOrderId,
      account: b.account,
      instrumentId: b.instrument.id,
      side: b.side,
      quantity: b.quantity,
      orderType: b.orderType,
      limitPrice: b.limitPrice,
      stopPrice: b.stopPrice,
      tif: b.tif,
      outsideRth: b.outsideRth,
    };
  }

  /** What the broker does not announce is refused here, unsent, with the announcement's own reading. */
  private checkCapabilities(b: BrokerPlaceOrderRequest): void {
    const i = this.venue.instrument(b.instrument.id);
    if (i === undefined) throw new Refusal('CONTRACT_UNKNOWN', `instrument ${b.instrument.id} is not qualified`);
    const problem = orderCapabilityProblem(this.capabilities(), { ...b, secType: i.secType });
    if (problem !== undefined) throw new Refusal(problem.code, problem.message, { rule: problem.rule });
  }

  private async placeOrder(b: BrokerPlaceOrderRequest) {
    const req = this.toPlace(b);
    await this.prepare(req.instrumentId);
    this.checkCapabilities(b);
    const orderId = await this.venue.place(req);
    return { v: 1, ok: true, clientOrderId: b.clientOrderId, orderId: String(orderId) };
  }

  private async modifyOrder(b: BrokerModifyOrderRequest) {
    const req = this.toPlace(b);
    await this.prepare(req.instrumentId);
    this.checkCapabilities(b);
    await this.venue.modify(this.coreOrderId(b), req);
    return { v: 1, ok: true, clientOrderId: b.clientOrderId, orderId: b.orderId };
  }

  /** The core's id of the order a command names; an id the core never handed out names no order of ours. */
  private coreOrderId(b: { readonly orderId: string; readonly clientOrderId: string }): number {
    const id = coreOrderIdOf(b.orderId);
    if (id === undefined) throw new Refusal('BROKER_ORDER_MISMATCH', `order ${b.orderId} is not ${b.clientOrderId}'s`);
    return id;
  }

  private async mdSubscribe(b: BrokerMdSubscribeRequest) {
    const instrumentId = b.instrument.id;
    const subjects: string[] = [];
    if (b.streams.includes('ticks')) {
      await this.watch(instrumentId);
      this.tickLines.add(instrumentId);
      subjects.push(Subjects.mdTick.build({ broker: this.config.name, instrument: instrumentId }));
      if (this.replay === undefined && this.shadow.tradesOf(instrumentId))
        subjects.push(Subjects.mdTrade.build({ broker: this.config.name, instrument: instrumentId }));
    }
    if (b.streams.includes('rtbars')) {
      if (this.replay !== undefined)
        throw new Refusal('SERVICE_UNAVAILABLE', 'a replaying paper broker serves ticks only, no 5-s bars');
      // Bars are the source's, re-published under our name while subscribed.
      await this.shadow.command('mdSubscribe', { ...b, streams: ['rtbars'] });
      if (!this.barLines.has(instrumentId))
        this.barLines.set(
          instrumentId,
          this.bus.subscribe<Record<string, unknown>>(
            Subjects.mdRtBar.build({ broker: this.config.quotesFrom, instrument: instrumentId }),
            (m) =>
              this.bus.publish(Subjects.mdRtBar.build({ broker: this.config.name, instrument: instrumentId }), {
                ...m.data,
                broker: this.config.name,
              }),
          ),
        );
      subjects.push(Subjects.mdRtBar.build({ broker: this.config.name, instrument: instrumentId }));
    }
    return { v: 1, ok: true, subjects, delayed: false, instanceId: this.instanceId };
  }

  /** Our latest quote when we hold a line; else the source's snapshot, which also primes the quotes we match on. */
  private async mdSnapshot(b: BrokerMdSnapshotRequest) {
    const instrumentId = b.instrument.id;
    await this.prepare(instrumentId);
    const last = this.venue.quotes.lastTick(instrumentId);
    if (last !== undefined && this.venue.quotes.quoteAt(instrumentId) !== undefined)
      return { v: 1, ok: true, tick: { ...last, broker: this.config.name } };
    if (this.replay !== undefined)
      throw new Refusal(
        'HISTORY_NO_DATA',
        `the replay has no quote for ${instrumentId} at ${new Date(this.clock.nowMs()).toISOString()}`,
      );
    const r = await this.shadow.command('mdSnapshot', b);
    this.venue.quotes.update(r.tick);
    return { v: 1, ok: true, tick: { ...r.tick, broker: this.config.name } };
  }

  async reconcile(b: ReconcileRequest) {
    await this.venue.settled();
    await this.relay.flushed();
    const now = Date.now();
    const order = (o: Parameters<typeof toBrokerOrder>[0]) => {
      const i = this.venue.instrument(o.instrumentId);
      return i === undefined ? [] : [toBrokerOrder(o, i)];
    };
    const parts = snapshotParts({
      openOrders: this.venue.openOrders().flatMap(order),
      completedOrders: this.venue.completedOrders().flatMap(order),
      executions: this.venue.executions(b.executionsSinceMs).map(toExecutionData),
      positions: this.venue.positions().map((p) => toPosition(this.config.name, p, undefined)),
    });
    const subject = Subjects.brokerEvent.build({ broker: this.config.name, kind: 'reconciliationSnapshot' });
    for (const [i, lists] of parts.entries()) {
      const eventId = `recon-${b.reconId}-${i + 1}`.slice(0, 64);
      const msg = {
        v: 1,
        eventId,
        broker: this.config.name,
        tsEventMs: now,
        tsInitMs: now,
        reconId: b.reconId,
        part: i + 1,
        parts: parts.length,
        ...(b.executionsSinceMs === undefined ? {} : { executionsSinceMs: b.executionsSinceMs }),
        requestedAtMs: now,
        instanceId: this.instanceId,
        session: 1,
        ...lists,
      };
      await this.bus.jetstream.publish(subject, msg, { msgId: `${this.config.name}:${eventId}` });
    }
    return {
      v: 1,
      ok: true,
      reconId: b.reconId,
      parts: parts.length,
      requestedAtMs: now,
      instanceId: this.instanceId,
    };
  }

  /** Stops serving; the books stay in the database (a restart resumes them). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.replay?.stop();
    for (const s of this.subs) s.unsubscribe();
    for (const s of this.barLines.values()) s.unsubscribe();
    this.barLines.clear();
    this.tickLines.clear();
    await this.venue.settled();
    await this.relay.flushed();
    await this.relay.stop();
    await this.shadow.stop();
  }
}
