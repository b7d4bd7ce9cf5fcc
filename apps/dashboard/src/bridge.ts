/**
 * The bus side of the dashboard: what the server listens to and pushes to every page (EventHub). Quotes of the
 * watchlist on every connected broker (market-data leases through the SDK, renewed while the dashboard runs), every
 * order event (orders.evt.>) and every broker status (broker.*.status). It keeps the latest quote and status so a
 * page that opens or reconnects starts from the current picture, and why orders it saw end were cancelled (the
 * OMS's order view carries a denial's or rejection's reason, `rejection`, but not a cancellation's).
 */
import { type BrokerStatus, Subjects } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { MarketDataSubscription, Quote, TradingSystem } from '@trading-system/sdk';
import type { EventHub, HubMessage } from './event-hub.js';

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

/** What the page shows of a broker: the gateway's listing, then every status it publishes. */
export type BrokerView = Pick<BrokerStatus, 'broker' | 'state' | 'accounts' | 'paper'> &
  Partial<Pick<BrokerStatus, 'farms' | 'lastCode' | 'lastCodeMessage' | 'tsMs'>>;

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
  let stopped = false;

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
      farms: s.farms,
      tsMs: s.tsMs,
      ...(s.lastCode === undefined ? {} : { lastCode: s.lastCode }),
      ...(s.lastCodeMessage === undefined ? {} : { lastCodeMessage: s.lastCodeMessage }),
    };
    statuses.set(s.broker, view);
    hub.send('broker', view);
    // A broker added at run time announces itself here first: its quotes start once it is connected.
    if (s.state === 'connected') watch(s.broker);
  };

  const statusSub = system.bus.subscribe<BrokerStatus>(Subjects.brokerStatus.pattern, (m) => onStatus(m.data));
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
      ...[...statuses.values()].map((data) => ({ event: 'broker', data })),
      ...[...quotes.values()].map((data) => ({ event: 'quote', data })),
    ],
    brokers: () => [...statuses.values()],
    reasonOf: (orderId) => reasons.get(orderId),
    stop: async () => {
      stopped = true;
      statusSub.unsubscribe();
      stopOrders();
      for (const broker of [...leases.keys()]) await unwatch(broker);
    },
  };
}
