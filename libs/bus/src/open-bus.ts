import type { MessageCatalog } from '@trading-system/contracts';
import type { Bus, BusObserver } from './bus.js';
import type { BusLogger } from './bus-context.js';
import type { BusConnectionError } from './errors.js';
import { createMemoryBus } from './memory-bus.js';
import { createNatsBus } from './nats-bus.js';
import type { NatsConnectionConfig } from './nats-connect.js';

export interface OpenBusOptions {
  /** NATS settings from the service config; undefined (no NATS_URL) means the in-process bus. */
  readonly connection: Omit<NatsConnectionConfig, 'name'> | undefined;
  /** Connection name shown by the NATS server, usually the service name. */
  readonly name: string;
  readonly catalog: MessageCatalog;
  readonly log: BusLogger;
  /**
   * Called once when the NATS connection is gone for good (reconnects exhausted, auth revoked). A service calls its
   * runtime's `fatal` here so it exits non-zero instead of running on without a bus.
   */
  readonly onLost: (err: BusConnectionError) => void;
  /** Metrics of the bus's traffic (libs/metrics `busObserver`); absent = not measured. */
  readonly observer?: BusObserver;
}

/** The bus a service's main.ts wires: NATS when configured, otherwise in-process. */
export async function openBus(options: OpenBusOptions): Promise<Bus> {
  const { connection, name, catalog, log, onLost } = options;
  const observer = options.observer === undefined ? {} : { observer: options.observer };
  if (connection === undefined) return createMemoryBus({ catalog, log, ...observer });
  // A service waits for NATS at start (bounded by its reconnect policy) rather than exiting at the first refusal.
  const bus = await createNatsBus({
    catalog,
    log,
    ...observer,
    connection: { waitOnFirstConnect: true, ...connection, name },
  });
  void bus.closed.then((err) => {
    if (err !== undefined) onLost(err);
  });
  return bus;
}
