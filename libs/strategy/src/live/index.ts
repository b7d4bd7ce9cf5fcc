/**
 * @trading-system/strategy/live: running a strategy file live or on paper through the SDK. A separate entry point
 * so the backtester and its sweep workers never load the SDK (and the services it can start in-process). Only the
 * run's API is exported: the context, ledger and bar builder are its parts (their tests import the files).
 */
export type { MarketClock } from './clock.js';
export type { FillRecord } from './ledger.js';
export { LiveRun, type LiveRunOptions, type LiveRunSummary, LiveStrategyFailedError } from './runner.js';
