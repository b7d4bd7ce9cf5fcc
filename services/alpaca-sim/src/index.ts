export { type AlpacaSimOptions, DEFAULT_CREDENTIALS, type RunningAlpacaSim, startAlpacaSim } from './app.js';
export { type Clock, type ManualClock, manualClock, realClock, scaledClock } from './clock.js';
export type { AlpacaSimControl, StreamKind } from './control.js';
export type { TradeUpdate } from './core/broker.js';
export { AssetCatalog } from './market/assets.js';
