import { createServer, type Server, type Socket } from 'node:net';
import { natsUrl } from '@trading-system/testkit';
import { describe, expect, test } from 'vitest';
import { BusConnectionError, connectNats, createNatsBus, type NatsConnectionEvent, redactUrl } from '../src/index.js';
import { Collector, capturingLogger, testCatalog } from './support.js';

/** The outermost wire only: a TCP listener that speaks just enough NATS (INFO, PONG) to accept a client. */
async function fakeNatsServer(): Promise<{ port: number; connects: string[]; kill(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const connects: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => sockets.delete(socket));
    socket.write('INFO {"server_id":"fake","version":"2.9.10","proto":1,"max_payload":1048576,"headers":true}\r\n');
    socket.on('data', (chunk) => {
      for (const line of chunk.toString('utf8').split('\r\n')) {
        if (line.startsWith('CONNECT ')) connects.push(line.slice(8));
        if (line === 'PING') socket.write('PONG\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    connects,
    kill: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

describe('NATS connection', () => {
  test('redactUrl hides credentials in server URLs', () => {
    expect(redactUrl('nats://alice:s3cret@nats.local:4222')).toBe('nats://***@nats.local:4222');
    expect(redactUrl('tls://token@h:1')).toBe('tls://***@h:1');
    expect(redactUrl('nats://h:4222')).toBe('nats://h:4222');
  });

  test('an unreachable server fails fast with BusConnectionError, and the password is not in the message', async () => {
    const port = await closedPort();
    const { log } = capturingLogger();
    const err = await connectNats(
      { servers: `nats://alice:s3cret@127.0.0.1:${port}`, name: 't', connectTimeoutMs: 1_000 },
      log,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusConnectionError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('s3cret');
  });

  test('credentials reach the server, never the logs; a connection lost for good resolves `closed` with an error', async () => {
    const fake = await fakeNatsServer();
    const { log, lines } = capturingLogger();
    const events = new Collector<NatsConnectionEvent['type']>();
    const { closed } = await connectNats(
      {
        servers: `nats://127.0.0.1:${fake.port}`,
        name: 'svc-under-test',
        user: 'alice',
        pass: 's3cret',
        maxReconnectAttempts: 1,
        reconnectTimeWaitMs: 50,
      },
      log,
      (e) => events.push(e.type),
    );
    expect(JSON.parse(fake.connects[0] ?? '{}')).toMatchObject({
      user: 'alice',
      pass: 's3cret',
      name: 'svc-under-test',
    });
    await fake.kill();
    const error = await closed;
    expect(error).toBeInstanceOf(BusConnectionError);
    expect(error?.message).toMatch(/lost|closed/);
    expect(events.items).toContain('disconnected');
    expect(events.items.at(-1)).toBe('closed');
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  test('an orderly drain resolves `closed` with undefined', async () => {
    const { log } = capturingLogger();
    const bus = await createNatsBus({ catalog: testCatalog, log, connection: { servers: await natsUrl(), name: 't' } });
    await bus.drain();
    expect(await bus.closed).toBeUndefined();
  });
});
