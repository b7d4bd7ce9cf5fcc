export * from './nats.js';
export * from './postgres.js';
