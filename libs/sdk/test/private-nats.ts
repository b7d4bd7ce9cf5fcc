/**
 * A whole system serves the fixed request subjects (`orders.submit`, `md.subscribe`, ...) without a queue group: two
 * systems on one NATS server answer each other's requests (another test's OMS replies BROKER_UNKNOWN to ours, and
 * ours to theirs). So the SDK's NATS test runs its system on a private `nats-server -js` (real NATS, its own
 * loopback port and store) when the binary is installed, and on the shared test server (testkit) otherwise.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsUrl } from '@trading-system/testkit';

export interface TestNats {
  readonly url: string;
  readonly isPrivate: boolean;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port }, () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startTestNats(): Promise<TestNats> {
  if (spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return { url: await natsUrl(), isPrivate: false, stop: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), 'sdk-nats-'));
  const port = await freePort();
  const child: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill();
      throw new Error(`private nats-server did not listen on ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    isPrivate: true,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
