export { type BrokerConfig, type Gateway, type GatewayDeps, start } from './app.js';
export type { BrokerOptions } from './broker.js';
export { type CapabilitySettings, ibCapabilities } from './capabilities.js';
export { brokersFromConfig, GatewayConfig } from './config.js';
export { classifyIbCode, type IbCodeClass } from './ib-error-classes.js';
export { registerGatewayMetrics } from './metrics.js';
export { assertPaperGuard, ibPortMismatch, isPaperAccount } from './paper-guard.js';
