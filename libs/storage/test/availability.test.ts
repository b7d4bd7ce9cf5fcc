/**
 * Database faults through a TCP proxy in front of the shared Postgres (which is never stopped): a connection reset
 * while a client is checked out between two statements, an outage, and the recovery.
 */
import {
  createDatabase,
  type Database,
  DatabaseUnavailableError,
  isDatabaseUnavailable,
  sql,
  waitForDatabase,
} from '@trading-system/storage';
import { databaseUrl, startTcpProxy, type TcpProxy, throughProxy } from '@trading-system/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

let proxy: TcpProxy;
let database: Database<unknown>;
const clientErrors: Error[] = [];

beforeEach(async () => {
  proxy = await startTcpProxy(hostPort(await databaseUrl()));
  clientErrors.length = 0;
  database = await createDatabase({
    kind: 'pg',
    url: throughProxy(await databaseUrl(), proxy),
    poolMax: 2,
    onIdleClientError: (err) => clientErrors.push(err),
  });
});

afterEach(async () => {
  await database.close();
  await proxy.stop();
});

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432) };
}

const one = () => sql<{ n: number }>`select 1 as n`.execute(database.db);

describe('Postgres behind a proxy that is cut and restored', () => {
  test('a reset while a transaction holds its client between statements is an error of that transaction, not of the process', async () => {
    await one();
    const outcome = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      // The link dies while this client is checked out with no query running: pg emits 'error' on the client,
      // which nobody listened to (pg-pool takes its listener off while a client is out): the process died.
      proxy.cut();
      await expect.poll(() => clientErrors.length, { timeout: 5_000 }).toBeGreaterThan(0);
      await sql`select 2`.execute(trx);
    });
    await expect(outcome).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(isDatabaseUnavailable(clientErrors[0])).toBe(true);
    proxy.restore();
    expect((await one()).rows).toEqual([{ n: 1 }]);
  });

  test('during an outage every query fails at once with DatabaseUnavailableError (code SERVICE_UNAVAILABLE); after it, queries work again', async () => {
    await one();
    proxy.cut();
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const err = await one().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
      // A refused link is reported at once (the connect timeout is only for a server that never answers).
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    proxy.restore();
    expect((await one()).rows).toEqual([{ n: 1 }]);
  });

  test('waitForDatabase retries with growing pauses while the database is away, and returns once it is back', async () => {
    proxy.cut();
    const retries: { attempt: number; delayMs: number }[] = [];
    const waiting = waitForDatabase(database, {
      initialDelayMs: 20,
      maxDelayMs: 80,
      onRetry: ({ attempt, delayMs, err }) => {
        expect(err).toBeInstanceOf(DatabaseUnavailableError);
        retries.push({ attempt, delayMs });
      },
    });
    await expect.poll(() => retries.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(4);
    proxy.restore();
    await waiting;
    expect(retries.slice(0, 4).map((r) => r.delayMs)).toEqual([20, 40, 80, 80]);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
  });

  test('waitForDatabase ends with the shutdown signal, and rethrows at once what waiting cannot fix', async () => {
    proxy.cut();
    const abort = new AbortController();
    const waiting = waitForDatabase(database, { initialDelayMs: 10, signal: abort.signal });
    abort.abort(new Error('shutdown'));
    await expect(waiting).rejects.toThrow('shutdown');
    proxy.restore();

    const url = new URL(throughProxy(await databaseUrl(), proxy));
    url.pathname = '/no_such_database_here';
    const missing = await createDatabase({ kind: 'pg', url: url.href, poolMax: 1 });
    try {
      const err = await waitForDatabase(missing).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(err)).toBe(false);
    } finally {
      await missing.close();
    }
  });

  test('ordinary SQL errors are not unavailability', async () => {
    const err = await sql`select * from no_such_table_anywhere`.execute(database.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DatabaseUnavailableError);
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
