/**
 * Where the bench finds NATS and Postgres, and the small waiting helpers every scenario uses.
 *
 * NATS: NATS_URL when set; otherwise a private `nats-server -js` on a free loopback port with a throwaway store
 * (when the binary is on PATH), else testkit's resolver (local server or container). A private server keeps the
 * services the bench starts (orders.*, hist.* are global subjects) from answering, or being answered by, whatever
 * else runs on the machine's shared server, and keeps their traffic out of the measurement.
 * Postgres: testkit's resolver (DATABASE_URL, else the local server, else a container); isolation by schema.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, createNatsBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { databaseUrl, natsUrl as testkitNatsUrl } from '@trading-system/testkit';
import { killOnExit } from './procs.js';

export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

export interface Infra {
  readonly natsUrl: string;
  /** Where the URL came from: env, private server, or testkit's resolver. */
  readonly natsSource: 'env' | 'private' | 'testkit';
  readonly databaseUrl: string;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new BenchSetupError('no port')),
      );
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function startPrivateNats(): Promise<{ url: string; child: ChildProcess; dir: string } | undefined> {
  if (spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-nats-'));
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
    stdio: 'ignore',
  });
  killOnExit(child);
  await waitFor(() => portAnswers(port), 10_000, 'the private nats-server');
  return { url: `nats://127.0.0.1:${port}`, child, dir };
}

/** A server the bench did not start is not the bench's to stop. */
const nothingToClose = async (): Promise<void> => undefined;

export async function openInfra(): Promise<Infra> {
  const dbUrl = await databaseUrl();
  const env = process.env.NATS_URL;
  if (env !== undefined && env !== '')
    return { natsUrl: env, natsSource: 'env', databaseUrl: dbUrl, close: nothingToClose };
  const priv = await startPrivateNats();
  if (priv === undefined)
    return { natsUrl: await testkitNatsUrl(), natsSource: 'testkit', databaseUrl: dbUrl, close: nothingToClose };
  return {
    natsUrl: priv.url,
    natsSource: 'private',
    databaseUrl: dbUrl,
    close: async () => {
      const exited = new Promise((r) => priv.child.once('exit', r));
      priv.child.kill('SIGTERM');
      await exited;
      rmSync(priv.dir, { recursive: true, force: true });
    },
  };
}

export const quietBusLog = { warn: () => undefined, error: () => undefined, debug: () => undefined };

export function openBus(url: string, name: string): Promise<Bus> {
  return createNatsBus({ catalog, log: quietBusLog, connection: { servers: url, name } });
}

/** Polls `check` every 50 ms until it yields true; throws after `ms`. Errors of `check` count as "not yet". */
export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new BenchSetupError(`timed out after ${ms} ms waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Progress on stderr, so stdout stays the table. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
