/**
 * A service that owns a database starts while the database is down: clients meet its stand-in (a typed
 * SERVICE_UNAVAILABLE) through the wait, through the migrations and up to the hand-over, then the service itself —
 * never a no-responders window and never two answers. A private nats-server (the shared one may carry another test
 * file's real OMS on the same subjects) and Postgres behind a TCP proxy that is cut while the service starts.
 */
import { type Bus, createNatsBus, NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import { catalog, Subjects } from '@trading-system/contracts';
import { createDatabase, type Database } from '@trading-system/storage';
import {
  databaseUrl,
  type PrivateNats,
  silentBusLogger,
  startPrivateNats,
  startTcpProxy,
  type TcpProxy,
  throughProxy,
} from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLogger } from '../src/index.js';
import { startWhenDatabaseReady } from '../src/start-when-database-ready.js';

let server: PrivateNats;
let serviceBus: Bus;
let clientBus: Bus;
let proxy: TcpProxy;
let database: Database<unknown>;

beforeAll(async () => {
  server = await startPrivateNats();
  const connect = (name: string) =>
    createNatsBus({ catalog, log: silentBusLogger, connection: { servers: server.url, name } });
  serviceBus = await connect('service');
  clientBus = await connect('client');
  const url = new URL(await databaseUrl());
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  database = await createDatabase({ kind: 'pg', url: throughProxy(url.toString(), proxy), poolMax: 2 });
});

afterAll(async () => {
  await database?.close();
  await proxy?.stop();
  await clientBus?.drain();
  await serviceBus?.drain();
  await server?.stop();
});

/** What a client hears on orders.tradingState: 'ok', an error code, or the bus error's name. */
async function hear(): Promise<string> {
  try {
    const r = await clientBus.request<{ ok: boolean; code?: string }>(
      Subjects.ordersTradingState.build(),
      { v: 1 },
      { timeoutMs: 3_000 },
    );
    return r.ok ? 'ok' : (r.code ?? 'no code');
  } catch (err) {
    if (err instanceof NoRespondersError || err instanceof RequestTimeoutError) return err.name;
    throw err;
  }
}

test('SERVICE_UNAVAILABLE while the database is down and while migrating, the service right after the hand-over', async () => {
  proxy.cut();
  const shutdown = new AbortController();
  let migrationStarted = false;
  let finishMigration: () => void = () => undefined;
  const migrating = new Promise<void>((resolve) => {
    finishMigration = resolve;
  });
  const running = startWhenDatabaseReady({
    service: 'orders',
    bus: serviceBus,
    catalog,
    database,
    logger: createLogger({ service: 'orders', level: 'silent' }),
    signal: shutdown.signal,
    initialDelayMs: 20,
    maxDelayMs: 100,
    start: async (handOver) => {
      migrationStarted = true;
      await migrating; // the migrations of a real service run here
      handOver();
      return serviceBus.serve(Subjects.ordersTradingState.build(), () => ({
        v: 1,
        ok: true,
        state: { mode: 'active', changedAtMs: 1 },
      }));
    },
  });

  // The database is down: the stand-in answers, typed and retryable.
  await expect.poll(hear, { timeout: 5_000 }).toBe('SERVICE_UNAVAILABLE');
  expect(migrationStarted).toBe(false);

  // The database is back, the service migrates: the stand-in still answers (it used to leave here).
  proxy.restore();
  await expect.poll(() => migrationStarted, { timeout: 10_000 }).toBe(true);
  for (let i = 0; i < 5; i++) expect(await hear()).toBe('SERVICE_UNAVAILABLE');

  // Hand-over: from then on only the service answers. The stand-in's UNSUB and the service's SUB travel on the
  // service's connection while the client's request travels on its own, so the very first request at the boundary
  // can reach the server before the service's SUB (a timeout: an unknown outcome, which clients handle by retrying
  // with the same id); once the service has answered, neither the stand-in nor a gap may be seen again.
  finishMigration();
  const sub = await running;
  await expect.poll(hear, { timeout: 10_000 }).toBe('ok');
  const after: string[] = [];
  for (let i = 0; i < 20; i++) after.push(await hear());
  expect(after).toEqual(Array(20).fill('ok'));
  sub.unsubscribe();
  shutdown.abort();
});
