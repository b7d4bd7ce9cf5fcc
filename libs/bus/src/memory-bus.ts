import type { Bus } from './bus.js';
import type { BusOptions } from './bus-context.js';
import { createBusOnTransport } from './bus-core.js';
import { MemoryTransport } from './memory-transport.js';
import { withNamespace } from './namespaced-transport.js';

export interface MemoryBusOptions extends BusOptions {
  /** The emulated server's max_payload (default 1 MiB, NATS's default). */
  readonly serverMaxPayloadBytes?: number;
}

/**
 * The in-process bus of the embedded mode: same subjects, same JSON bytes, same validation and JetStream settle
 * rules as the NATS bus; streams and durable positions live as long as the bus (nothing is written to disk).
 */
export function createMemoryBus(options: MemoryBusOptions): Bus {
  const transport = new MemoryTransport(
    options.serverMaxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.serverMaxPayloadBytes },
  );
  return createBusOnTransport(withNamespace(transport, options.namespace), options);
}
