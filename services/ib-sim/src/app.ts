/**
 * `startSim(options)`: builds the catalog, price model, quote source and pacing, registers the handlers and
 * listens. Returns the bound address, `stop()` and the control surface. Everything is in-process; tests start
 * one sim per file on port 0.
 */

import { type CommissionSchedule, Exchange, FileStateStore } from '@trading-system/exchange';
import { ExchangeFront } from './broker/front.js';
import { coreClock, coreQuotes, instrumentLookup } from './broker/ports.js';
import { type Clock, realClock } from './clock.js';
import { createControl, type SimControl } from './control.js';
import { DEFAULT_PACING, HistoricalPacer, type PacingOptions } from './history/pacing.js';
import { buildCatalog } from './instruments/catalog.js';
import { type Logger, silentLogger } from './logger.js';
import { PriceModel } from './market/price-model.js';
import { QuoteSource } from './market/quote-source.js';
import { DEFAULT_DATA_DIR, EMPTY_REPLAY, loadReplay } from './market/replay.js';
import { HandlerRegistry } from './server/dispatcher.js';
import { registerAccountHandlers } from './server/handlers/accounts.js';
import { registerConnectionHandlers } from './server/handlers/connection.js';
import { registerContractHandlers } from './server/handlers/contracts.js';
import { registerHistoricalHandlers } from './server/handlers/historical.js';
import { registerMarketDataHandlers } from './server/handlers/market-data.js';
import { registerMarketExtrasHandlers } from './server/handlers/market-extras.js';
import { registerOptionHandlers } from './server/handlers/options.js';
import { registerOrderHandlers } from './server/handlers/orders.js';
import { registerReferenceRequestHandlers } from './server/handlers/reference-requests.js';
import { TwsServer } from './server/server.js';
import { SimContext, type SimSettings } from './server/sim-context.js';

export interface SimOptions {
  /** TCP port; 0 picks a free one (tests). Default 7497 (TWS paper). */
  readonly port?: number;
  readonly host?: string;
  /** Seed of every price path; the same seed gives the same prices on every run. Default 1. */
  readonly seed?: number;
  /** Default: real time. Tests pass a scaled or manual clock (see clock.ts). */
  readonly clock?: Clock;
  /** Managed accounts (first = default). Default `['DU1234567']`. */
  readonly accounts?: readonly string[];
  readonly pacing?: Partial<PacingOptions>;
  /** > 0 switches streaming to N LAST+RTVolume ticks per second per subscription (benchmarks). */
  readonly highRateTicksPerSec?: number;
  /**
   * Clock of the trade time in RTVolume (generic tick 233) of streaming lines: `wall` (default) the sim process's
   * Date.now(), or `sim` the sim clock. With a scaled clock, `sim` keeps trades, bars and sessions in one time
   * (high-rate mode always stamps the wall emit time: clients measure latency with it).
   */
  readonly tradeTimes?: 'wall' | 'sim';
  readonly maxClients?: number;
  readonly maxMessagesPerSecond?: number;
  readonly maxMarketDataLines?: number;
  /** Replay the real data files (default true) from `dataDir` (default services/ib-sim/data). */
  readonly replay?: boolean;
  readonly dataDir?: string;
  readonly twsTimeZone?: string;
  readonly logger?: Logger;
  /**
   * Keep orders, positions, cash and executions in this JSON file: loaded at start when present, rewritten
   * atomically after every change. Without it the exchange state lives in memory only.
   */
  readonly stateFile?: string;
  /** Start from the configured accounts even when the state file holds a state (it is overwritten). */
  readonly reset?: boolean;
  /** Opening cash of every account, in its base currency (default 1,000,000). */
  readonly startingCash?: number;
  readonly commissions?: CommissionSchedule;
  /** Sim ms between matching steps of resting orders (default 250, the stock tick cadence). */
  readonly matchIntervalMs?: number;
  /** Hook for the exchange front: register more handlers before the server accepts connections. */
  readonly register?: (control: SimControl) => void;
}

export interface RunningSim {
  readonly port: number;
  readonly host: string;
  readonly control: SimControl;
  stop(): Promise<void>;
}

export async function startSim(options: SimOptions = {}): Promise<RunningSim> {
  const log = options.logger ?? silentLogger;
  const clock = options.clock ?? realClock();
  const seed = options.seed ?? 1;
  const catalog = buildCatalog(clock.now());
  const sixE = catalog.instruments.find((i) => i.secType === 'FUT' && i.localSymbol === '6EH4');
  const replay =
    options.replay === false
      ? EMPTY_REPLAY
      : loadReplay(
          { aapl: 265598, spy: 756733, spx: 416904, usdJpy: 15016059, sixEMarch2024: sixE?.conId },
          options.dataDir ?? DEFAULT_DATA_DIR,
        );
  const quotes = new QuoteSource(catalog, new PriceModel(catalog, replay, seed), seed);
  const settings: SimSettings = Object.freeze({
    accounts: options.accounts ?? ['DU1234567'],
    twsTimeZone: options.twsTimeZone ?? 'US/Eastern',
    maxClients: options.maxClients ?? 32,
    maxMessagesPerSecond: options.maxMessagesPerSecond ?? 50,
    maxMarketDataLines: options.maxMarketDataLines ?? 100,
    maxOpenHistorical: 50,
    pacing: { ...DEFAULT_PACING, ...options.pacing },
    highRateTicksPerSec: options.highRateTicksPerSec ?? 0,
    tradeTimes: options.tradeTimes ?? 'wall',
    delayedByMs: 15 * 60_000,
  });
  if (settings.accounts.length === 0) throw new RangeError('at least one account is required');
  const sim = new SimContext(settings, clock, catalog, quotes, new HistoricalPacer(settings.pacing), log);
  const registry = new HandlerRegistry();
  registerConnectionHandlers(registry);
  registerContractHandlers(registry);
  registerMarketDataHandlers(registry);
  registerMarketExtrasHandlers(registry);
  registerHistoricalHandlers(registry);
  registerOptionHandlers(registry);
  registerReferenceRequestHandlers(registry);
  const exchange = Exchange.open({
    quotes: coreQuotes(catalog, quotes),
    instruments: instrumentLookup(catalog),
    clock: coreClock(clock),
    accounts: settings.accounts.map((id) =>
      options.startingCash === undefined ? { id } : { id, startingCash: { USD: options.startingCash } },
    ),
    ...(options.commissions ? { commissions: options.commissions } : {}),
    // A full save costs milliseconds and grows with the state: at most one per 250 ms (flushed on stop).
    ...(options.stateFile ? { store: new FileStateStore(options.stateFile), saveThrottleMs: 250 } : {}),
    fresh: options.reset ?? false,
  });
  // A reset is for good: the stored state is replaced now, not at the first change.
  if (options.reset) exchange.reset();
  const front = new ExchangeFront(sim, exchange, { matchIntervalMs: options.matchIntervalMs ?? 250 });
  registerOrderHandlers(registry, front);
  registerAccountHandlers(registry, front);
  const control = createControl(sim, registry, front);
  options.register?.(control);
  const server = new TwsServer(sim, registry);
  const address = await server.listen(options.port ?? 7497, options.host ?? '127.0.0.1');
  front.start();
  log.info(
    { ...address, seed, instruments: catalog.instruments.length, stateFile: options.stateFile },
    'ib-sim listening',
  );
  return {
    ...address,
    control,
    stop: async () => {
      front.stop();
      await server.close();
      exchange.flush();
    },
  };
}
