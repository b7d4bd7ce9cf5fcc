export { type Embedded, type EmbeddedDeps, startEmbedded } from './app.js';
export { EmbeddedConfig } from './config.js';
