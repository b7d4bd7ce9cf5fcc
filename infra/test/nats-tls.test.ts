/**
 * Optional TLS: `npm run secrets -- --tls` makes a CA and a server certificate; a nats-server with them (and the
 * users of auth.conf) is reached by a service configured as compose's TLS override configures it (tls:// URL,
 * NATS_TLS_CA, its seed file), and refused to a client that does not trust the CA or speaks plain NATS.
 */
import { join } from 'node:path';
import { createNatsBus, openBus } from '@trading-system/bus';
import { catalog, Subjects } from '@trading-system/contracts';
import { loadConfig, NatsOnlyConfig, natsConnectionSettings } from '@trading-system/runtime';
import { type PrivateNats, silentBusLogger } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type AuthSecrets, makeSecrets, startAuthNats } from './support/auth.js';

let secrets: AuthSecrets;
let server: PrivateNats;

beforeAll(async () => {
  secrets = makeSecrets({ tls: true });
  const tls = join(secrets.dir, 'nats', 'tls');
  server = await startAuthNats(secrets, {
    config: `tls {\n  cert_file: ${JSON.stringify(join(tls, 'server.pem'))}\n  key_file: ${JSON.stringify(join(tls, 'server.key'))}\n  timeout: 2\n}`,
  });
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

const tlsUrl = () => `tls://127.0.0.1:${server.port}`;

test('a service configured like the TLS override connects over TLS as its user', async () => {
  const config = loadConfig(NatsOnlyConfig, {
    NATS_URL: tlsUrl(),
    NATS_TLS_CA: join(secrets.dir, 'nats', 'tls', 'ca.pem'),
    ...secrets.natsEnv('dashboard'),
  });
  const settings = natsConnectionSettings(config);
  expect(settings?.tls).toEqual({ caFile: join(secrets.dir, 'nats', 'tls', 'ca.pem') });
  const bus = await openBus({
    connection: settings,
    name: 'tls-dashboard',
    catalog,
    log: silentBusLogger,
    onLost: () => undefined,
  });
  try {
    // A subscription the dashboard may hold, confirmed by the server (a refusal would close it).
    const sub = bus.subscribe(Subjects.brokerStatus.pattern, () => undefined);
    await bus.drain();
    sub.unsubscribe();
  } catch (err) {
    await bus.drain();
    throw err;
  }
});

test('without the CA, or in plain text, the connection is refused', async () => {
  const seed = secrets.seed('dashboard');
  await expect(
    createNatsBus({
      catalog,
      log: silentBusLogger,
      connection: {
        servers: tlsUrl(),
        name: 'no-ca',
        nkeySeed: seed,
        maxReconnectAttempts: 0,
        connectTimeoutMs: 3_000,
      },
    }),
  ).rejects.toThrow(/certificate|self.signed|TLS|SSL/i);
  await expect(
    createNatsBus({
      catalog,
      log: silentBusLogger,
      connection: {
        servers: `nats://127.0.0.1:${server.port}`,
        name: 'plain',
        nkeySeed: seed,
        maxReconnectAttempts: 0,
        connectTimeoutMs: 3_000,
      },
    }),
  ).rejects.toThrow(/cannot connect to NATS/);
});
