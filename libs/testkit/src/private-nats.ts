/**
 * A nats-server of the test's own (JetStream, fresh store directory, free port), for tests that run a service
 * whose request subjects are global: the OMS answers every `orders.*` request it hears, so an OMS on the shared
 * server would answer (and deny) other test files' orders, and theirs ours. Falls back to the shared server
 * (testkit's natsUrl) when no nats-server binary is installed and no option needs a server of our own.
 *
 * Options: `config` (server config text, e.g. `include "auth.conf"`) with `files` written beside it and `env` for the
 * server process (e.g. the NATS_NKEY_* variables auth.conf reads). `kill()` and `start()` crash and restart the
 * server on the same port and store directory (fault tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { natsUrl } from './nats.js';

export interface PrivateNatsOptions {
  /** Server configuration appended after the port, host and JetStream store lines. */
  readonly config?: string;
  /** Files written next to the configuration file (for `include`), by name. */
  readonly files?: Readonly<Record<string, string>>;
  /** Environment variables of the server process (variables the configuration references). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface PrivateNats {
  readonly url: string;
  /** False when the shared server is used (no nats-server binary). */
  readonly private: boolean;
  readonly port: number;
  /** JetStream store directory, kept across kill()/start(). */
  readonly storeDir: string;
  /** The server's output so far (startup, auth errors). */
  output(): string;
  /** Kills the server (default SIGKILL) and waits for it to be gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store directory; resolves when it is ready. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function findBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin'];
  for (const d of dirs) {
    const p = join(d, 'nats-server');
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isFile() && (st.mode & 0o111) !== 0) return p;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPrivateNats(options: PrivateNatsOptions = {}): Promise<PrivateNats> {
  const bin = findBinary();
  const custom = options.config !== undefined || options.files !== undefined || options.env !== undefined;
  if (bin === undefined) {
    if (custom) throw new Error('nats-server is not installed: this test needs a server of its own (install it)');
    return {
      url: await natsUrl(),
      private: false,
      port: 0,
      storeDir: '',
      output: () => '',
      kill: async () => undefined,
      start: async () => undefined,
      stop: async () => undefined,
    };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'test-nats-'));
  const storeDir = join(dir, 'store');
  let args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  if (custom) {
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
    const conf = join(dir, 'server.conf');
    writeFileSync(
      conf,
      `host: 127.0.0.1\nport: ${port}\njetstream { store_dir: ${JSON.stringify(storeDir)} }\n${options.config ?? ''}\n`,
    );
    args = ['-c', conf];
  }
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const from = output.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server not ready in 10 s:\n${output.join('')}`)), 10_000);
      const onData = (d: Buffer) => {
        output.push(d.toString());
        if (/Server is ready/.test(output.slice(from).join(''))) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${output.slice(from).join('')}`));
      });
    });
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    private: true,
    port,
    storeDir,
    output: () => output.join(''),
    kill,
    start: launch,
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
