export { type AlpacaBrokerSpec, type AlpacaGateway, type AlpacaGatewayDeps, start } from './app.js';
export { ALPACA_CAPABILITIES } from './broker.js';
export { RequestGovernor } from './governor.js';
