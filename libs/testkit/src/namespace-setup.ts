/**
 * Setup file of the integration project (vitest.config.ts): runs before each test file, in the worker running it.
 * Gives the file its own bus namespace (see namespace.ts) and deletes the namespace's streams from the shared
 * NATS server once the file is done, so parallel files never meet and runs leave nothing behind.
 */
import { deleteNamespaceStreams } from '@trading-system/bus';
import { afterAll } from 'vitest';
import { freshNamespace, NAMESPACE_ENV } from './namespace.js';
import { natsUrl, natsUrlResolved, silentBusLogger } from './nats.js';

const namespace = freshNamespace();
process.env[NAMESPACE_ENV] = namespace;
const sharedFromEnv = process.env.NATS_URL !== undefined && process.env.NATS_URL !== '';

afterAll(async () => {
  // Only when the file could have used the shared server: NATS_URL given, or a fixture resolved it.
  if (!sharedFromEnv && !natsUrlResolved()) return;
  const servers = await natsUrl();
  await deleteNamespaceStreams(
    { servers, name: `test-cleanup-${namespace}`, maxReconnectAttempts: 0, connectTimeoutMs: 10_000 },
    namespace,
    silentBusLogger,
  );
});
