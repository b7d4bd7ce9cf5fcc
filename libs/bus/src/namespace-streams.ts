import { jetstreamManager } from '@nats-io/jetstream';
import type { BusLogger } from './bus-context.js';
import { checkNamespace } from './namespaced-transport.js';
import { connectNats, type NatsConnectionConfig } from './nats-connect.js';

/**
 * Deletes every stream of a namespace (`<ns>_*`, and with them their durables) from a NATS server: what a system
 * that shared the server for a while (a test file) leaves behind. Returns the deleted streams' names on the wire.
 */
export async function deleteNamespaceStreams(
  connection: NatsConnectionConfig,
  namespace: string,
  log: BusLogger,
): Promise<string[]> {
  checkNamespace(namespace);
  const { nc } = await connectNats(connection, log);
  try {
    const jsm = await jetstreamManager(nc);
    const deleted: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (!name.startsWith(`${namespace}_`)) continue;
      await jsm.streams.delete(name);
      deleted.push(name);
    }
    return deleted;
  } finally {
    await nc.close();
  }
}
