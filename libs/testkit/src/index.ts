export * from './namespace.js';
export * from './nats.js';
export * from './poll.js';
export * from './postgres.js';
export * from './private-nats.js';
export * from './processes.js';
export * from './seeded-random.js';
export * from './tcp-proxy.js';
