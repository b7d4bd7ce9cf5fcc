/** Errors of the strategy runtime, named for what went wrong; each keeps its cause. */

/** The strategy file cannot be loaded, or its default export is not a strategy. */
export class StrategyLoadError extends Error {
  override readonly name = 'StrategyLoadError';
}

/** A run's parameter is unknown to the strategy or has the wrong type. */
export class StrategyParamError extends Error {
  override readonly name = 'StrategyParamError';
}

/** The strategy asked for something the run cannot do (unknown symbol, bad quantity, a timeframe the bars do not divide). */
export class StrategyUsageError extends Error {
  override readonly name = 'StrategyUsageError';
}
