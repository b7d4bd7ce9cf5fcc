/**
 * The bus side of the dashboard: what the server listens to and pushes to every page (EventHub). Quotes of the
 * watchlist on every connected broker (market-data leases through the SDK, renewed while the dashboard runs), every
 * order event (orders.evt.>) and every broker status (broker.*.status). It keeps the latest quote and status so a
 * page that opens or reconnects starts from the current picture, and why orders it saw end were cancelled (the
 * OMS's order view carries a denial's or rejection's reason, `rejection`, but not a cancellation's).
 *
 * Broker detail beside the connection state: the market-data line budget and history request budget from the
 * broker's announced capabilities (in every status), the lines in use counted from feed health messages
 * (line-tally.ts), and the depth of the broker's historical pacing queue, asked of its gateway
 * (`historyForecast`) when a status arrives (every 5 s per broker; one question in flight at a time): the gateway
 * does not publish it, so this is the one figure read by request rather than pushed.
 */
import { BrokerClient } from '@trading-system/clients';
import { type BrokerStatus, type FeedHealth, Subjects } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { MarketDataSubscription, Quote, TradingSystem } from '@trading-system/sdk';
import type { EventHub, HubMessage } from './event-hub.js';
import { LineTally } from './line-tally.js';

export interface QuoteView {
  readonly broker: string;
  readonly symbol: string;
  readonly bid?: number;
  readonly ask?: number;
  readonly last?: number;
  readonly timeMs?: number;
  readonly delayed?: boolean;
  /** Why there are no quotes for this symbol on this broker (the subscription failed). */
  readonly error?: string;
}

/** What the page shows of a broker: the gateway's listing, then every status it publishes, and its load. */
export type BrokerView = Pick<BrokerStatus, 'broker' | 'state' | 'accounts' | 'paper'> &
  Partial<Pick<BrokerStatus, 'feeds' | 'notice' | 'tsMs'>> & {
    /** Streaming market-data lines the broker allows (its capabilities); absent until announced. */
    readonly linesBudget?: number;
    /** Lines held now, as feed health reports them (line-tally.ts); absent until a health message arrived. */
    readonly linesUsed?: number;
    /** Historical request budget: at most `max` requests per `windowMs` (its capabilities). */
    readonly historyBudget?: { readonly max: number; readonly windowMs: number };
    /** Historical requests waiting in the broker's pacing queue and open at the broker, when its gateway said. */
    readonly pacing?: { readonly queued: number; readonly open: number; readonly atMs: number };
    /** Why the pacing figures are missing (the gateway did not answer, or the question is not allowed). */
    readonly pacingProblem?: string;
  };

export interface Bridge {
  /** The current picture, sent first to every page that connects. */
  snapshot(): HubMessage[];
  brokers(): BrokerView[];
  reasonOf(orderId: string): string | undefined;
  stop(): Promise<void>;
}

/** Cancellation reasons kept for the blotter (oldest forgotten first). */
const MAX_REASONS = 10_000;

const toView = (q: Quote): QuoteView => ({
  broker: q.broker,
  symbol: q.symbol,
  ...(q.bid === undefined ? {} : { bid: q.bid }),
  ...(q.ask === undefined ? {} : { ask: q.ask }),
  ...(q.last === undefined ? {} : { last: q.last }),
  timeMs: q.time.getTime(),
  delayed: q.delayed,
});

export async function startBridge(deps: {
  readonly system: TradingSystem;
  readonly watchlist: readonly string[];
  readonly hub: EventHub;
  readonly logger: Logger;
}): Promise<Bridge> {
  const { system, hub, logger } = deps;
  const statuses = new Map<string, BrokerView>();
  const quotes = new Map<string, QuoteView>();
  const reasons = new Map<string, string>();
  const leases = new Map<string, Promise<MarketDataSubscription | undefined>[]>();
  const tally = new LineTally();
  const load = new Map<string, Pick<BrokerView, 'linesUsed' | 'pacing' | 'pacingProblem'>>();
  const asking = new Set<string>();
  let stopped = false;

  const viewOf = (broker: string): BrokerView | undefined => {
    const base = statuses.get(broker);
    return base === undefined ? undefined : { ...base, ...load.get(broker) };
  };
  const sendBroker = (broker: string): void => {
    const view = viewOf(broker);
    if (view !== undefined) hub.send('broker', view);
  };
  type Load = Pick<BrokerView, 'linesUsed' | 'pacing' | 'pacingProblem'>;
  const setLoad = (broker: string, change: (prev: Load) => Load): void => {
    load.set(broker, change(load.get(broker) ?? {}));
    sendBroker(broker);
  };

  const askPacing = (broker: string): void => {
    if (asking.has(broker) || stopped) return;
    asking.add(broker);
    new BrokerClient(system.bus, { timeoutMs: 5_000 })
      .call(broker, 'historyForecast', { v: 1 })
      .then((r) => {
        const pacing = { queued: r.queued, open: r.open, atMs: r.nowMs };
        if (!stopped) setLoad(broker, ({ pacingProblem: _, ...prev }) => ({ ...prev, pacing }));
      })
      .catch((err: unknown) => {
        if (!stopped) setLoad(broker, (prev) => ({ ...prev, pacingProblem: (err as Error).message }));
      })
      .finally(() => asking.delete(broker));
  };

  const setQuote = (q: QuoteView): void => {
    quotes.set(`${q.broker}:${q.symbol}`, q);
    hub.send('quote', q);
  };

  const watch = (broker: string): void => {
    if (leases.has(broker) || stopped) return;
    leases.set(
      broker,
      deps.watchlist.map(async (symbol) => {
        try {
          return await system.subscribeMarketData(symbol, 'SMART', (q) => setQuote(toView(q)), {
            broker,
            onError: (err) => setQuote({ broker, symbol, error: err.message }),
          });
        } catch (err) {
          logger.warn({ err, broker, symbol }, 'no quotes for a watchlist symbol');
          setQuote({ broker, symbol, error: (err as Error).message });
          return undefined;
        }
      }),
    );
  };

  const unwatch = async (broker: string): Promise<void> => {
    const subs = leases.get(broker) ?? [];
    leases.delete(broker);
    for (const sub of await Promise.all(subs)) await sub?.unsubscribe();
  };

  const onStatus = (s: BrokerStatus): void => {
    const view: BrokerView = {
      broker: s.broker,
      state: s.state,
      accounts: s.accounts,
      paper: s.paper,
      feeds: s.feeds,
      tsMs: s.tsMs,
      ...(s.notice === undefined ? {} : { notice: s.notice }),
      ...(s.capabilities === undefined ? {} : { linesBudget: s.capabilities.marketDataLines }),
      ...(s.capabilities?.history?.requestWindow === undefined
        ? {}
        : { historyBudget: s.capabilities.history.requestWindow }),
    };
    statuses.set(s.broker, view);
    sendBroker(s.broker);
    if (s.state !== 'disconnected') askPacing(s.broker);
    // A broker added at run time announces itself here first: its quotes start once it is connected.
    if (s.state === 'connected') watch(s.broker);
  };

  // A status of an older gateway arrives in the current shape too (BrokerStatus reads both).
  const statusSub = system.bus.subscribe<BrokerStatus>(Subjects.brokerStatus.pattern, (m) => onStatus(m.data));
  const healthSub = system.bus.subscribe<FeedHealth>(Subjects.mdHealth.pattern, (m) => {
    const now = Date.now();
    tally.add(m.data, now);
    const used = tally.used(m.data.broker, now);
    if (used !== undefined && used !== load.get(m.data.broker)?.linesUsed)
      setLoad(m.data.broker, (prev) => ({ ...prev, linesUsed: used }));
  });
  const stopOrders = system.onOrderUpdate((ev) => {
    // Only cancellations: the blotter takes a denial's or rejection's reason from the order view (views.ts reasonFor).
    if (ev.kind === 'cancelled' && ev.reason !== undefined) {
      if (reasons.size >= MAX_REASONS) reasons.delete(reasons.keys().next().value as string);
      reasons.set(ev.clientOrderId, ev.reason);
    }
    hub.send('order', ev);
  });

  try {
    for (const b of await system.listBrokers()) {
      if (!statuses.has(b.name))
        statuses.set(b.name, { broker: b.name, state: b.state, accounts: b.accounts, paper: b.paper });
      if (b.state === 'connected') watch(b.name);
    }
  } catch (err) {
    // The gateway may still be starting: statuses arrive on broker.*.status as soon as it publishes them.
    logger.warn({ err }, 'listing brokers failed; waiting for their status messages');
  }

  return {
    snapshot: () => [
      ...[...statuses.keys()].map((b) => ({ event: 'broker', data: viewOf(b) })),
      ...[...quotes.values()].map((data) => ({ event: 'quote', data })),
    ],
    brokers: () => [...statuses.keys()].flatMap((b) => viewOf(b) ?? []),
    reasonOf: (orderId) => reasons.get(orderId),
    stop: async () => {
      stopped = true;
      statusSub.unsubscribe();
      healthSub.unsubscribe();
      stopOrders();
      for (const broker of [...leases.keys()]) await unwatch(broker);
    },
  };
}
