import type { NatsConnection } from '@nats-io/nats-core';
import type { Bus } from './bus.js';
import type { BusOptions } from './bus-context.js';
import { createBusOnTransport } from './bus-core.js';
import type { BusConnectionError } from './errors.js';
import { withNamespace } from './namespaced-transport.js';
import { connectNats, type NatsConnectionConfig, type NatsConnectionEvent } from './nats-connect.js';
import { NatsTransport } from './nats-transport.js';

export interface NatsBus extends Bus {
  /** See NatsConnected.closed: an error means the bus is gone for good and the service should exit non-zero. */
  readonly closed: Promise<BusConnectionError | undefined>;
}

export interface NatsBusOptions extends BusOptions {
  readonly connection: NatsConnectionConfig;
  readonly onConnectionEvent?: (e: NatsConnectionEvent) => void;
}

/** Connects and returns the distributed-mode bus; `drain()` closes the connection. */
export async function createNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  const { nc, closed } = await connectNats(options.connection, options.log, options.onConnectionEvent);
  try {
    const { namespace, inboxPrefix } = options.connection;
    const bus = await createNatsBusOnConnection(nc, {
      ...options,
      ...(options.namespace === undefined && namespace !== undefined ? { namespace } : {}),
      ...(inboxPrefix === undefined ? {} : { inboxPrefix }),
    });
    return Object.assign(bus, { closed });
  } catch (err) {
    await nc.close();
    throw err;
  }
}

/**
 * The bus over a connection opened elsewhere; the bus takes it over (drain() drains and closes it). `inboxPrefix`:
 * the connection's, when not `_INBOX` (replies to it are not namespaced).
 */
export async function createNatsBusOnConnection(
  nc: NatsConnection,
  options: BusOptions & { readonly inboxPrefix?: string },
): Promise<Bus> {
  const transport = await NatsTransport.create(nc, options.log);
  return createBusOnTransport(withNamespace(transport, options.namespace, options.inboxPrefix), options);
}
