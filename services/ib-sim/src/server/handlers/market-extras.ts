/** Real-time market data beyond reqMktData: tick-by-tick data and market depth (one registration for app.ts). */
import type { HandlerRegistry } from '../dispatcher.js';
import { registerMarketDepthHandlers } from './market-depth.js';
import { registerTickByTickHandlers } from './tick-by-tick.js';

export function registerMarketExtrasHandlers(registry: HandlerRegistry): void {
  registerTickByTickHandlers(registry);
  registerMarketDepthHandlers(registry);
}
