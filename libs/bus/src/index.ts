export * from './bus.js';
export type { BusLogger, BusOptions } from './bus-context.js';
export type { ConsumerLanesConfig } from './consumer-lanes.js';
export * from './errors.js';
export { createMemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { MSG_ID_HEADER } from './memory-jetstream.js';
export { deleteNamespaceStreams } from './namespace-streams.js';
export { checkNamespace, NAMESPACE_PATTERN } from './namespaced-transport.js';
export { createNatsBus, createNatsBusOnConnection, type NatsBus, type NatsBusOptions } from './nats-bus.js';
export {
  connectNats,
  type NatsConnected,
  type NatsConnectionConfig,
  type NatsConnectionEvent,
  redactUrl,
} from './nats-connect.js';
export { createUserNkey, publicKeyOfSeed } from './nkeys.js';
export { type OpenBusOptions, openBus } from './open-bus.js';
export { toStreamConfig } from './stream-spec.js';
