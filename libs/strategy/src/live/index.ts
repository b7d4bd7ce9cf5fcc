/**
 * @trading-system/strategy/live: running a strategy file live or on paper through the SDK. A separate entry point
 * so the backtester and its sweep workers never load the SDK (and the services it can start in-process).
 */
export { type MarketClock, wallClock } from './clock.js';
export { LiveContext, roundToTick } from './context.js';
export { type FillRecord, LiveLedger } from './ledger.js';
export { QuoteBarBuilder, quotePrice } from './quote-bars.js';
export { LiveRun, type LiveRunOptions, type LiveRunSummary, LiveStrategyFailedError } from './runner.js';
