export { type Embedded, type EmbeddedDeps, type EmbeddedNaming, startEmbedded } from './app.js';
export { EmbeddedConfig } from './config.js';
export { inProcessRuntime } from './in-process-runtime.js';
