export { type PaperBrokerConfig, type PaperGateway, type PaperGatewayDeps, start } from './app.js';
export { migrations } from './migrations/index.js';
