import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./fixtures/service.ts', import.meta.url));

interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog: (msg: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
}

function startFixture(env: Record<string, string>): Child {
  // A clean environment: the machine's NATS_* / WORKER_* variables must not leak into the child's config.
  const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', WORKER_ID: '7', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  proc.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': only then has all of the child's stdout/stderr been read.
    proc.once('close', (code, signal) => resolve({ code, signal })),
  );
  const findLog = (msg: string) => jsonLines(out).find((l) => l.msg === msg);
  const waitForLog = (msg: string, timeoutMs = CHILD_WAIT_MS) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${msg}" log within ${timeoutMs} ms:\n${out}\n${err}`)),
        timeoutMs,
      );
      const check = (): void => {
        const line = findLog(msg);
        if (line) {
          clearTimeout(timer);
          resolve(line);
        } else waiters.push(check);
      };
      void exited.then(() => {
        if (!findLog(msg)) {
          clearTimeout(timer);
          reject(new Error(`exited before "${msg}":\n${out}\n${err}`));
        }
      });
      check();
    });
  return { proc, stdout: () => out, stderr: () => err, exited, waitForLog };
}

/**
 * A child is `node --import tsx` compiling the fixture: seconds on an idle machine, far more beside other test files
 * on 2 cores. The waits end as soon as the log line or exit is there; only a hung child waits the whole bound.
 */
const CHILD_WAIT_MS = 60_000;

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function exitWithin(child: Child, timeoutMs = CHILD_WAIT_MS) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no exit within ${timeoutMs} ms:\n${child.stdout()}\n${child.stderr()}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('runService in a child process', { timeout: 2 * CHILD_WAIT_MS }, () => {
  test('bad config exits 78 and prints every problem with its hint', async () => {
    const child = startFixture({
      WORKER_ID: '',
      WORKER_PORT: 'abc',
      NATS_URL: 'http://wrong',
      NATS_NKEY_SEED: 'SUsecretbutmalformed',
      LOG_LEVEL: 'loud',
    });
    const { code } = await exitWithin(child);
    expect(code).toBe(78);
    const err = child.stderr();
    for (const variable of ['WORKER_ID', 'WORKER_PORT', 'NATS_URL', 'NATS_NKEY_SEED', 'LOG_LEVEL']) {
      expect(err).toContain(`- ${variable}:`);
    }
    expect(err).toContain('WORKER_ID: is required but not set');
    expect(err).toContain('hint: worker id');
    expect(err).not.toContain('SUsecretbutmalformed');
    expect(child.stdout()).toBe('');
  });

  test('SIGTERM stops gracefully and exits 0; logs are JSON with secrets redacted', async () => {
    const child = startFixture({ NATS_URL: 'nats://127.0.0.1:4222', NATS_USER: 'svc', NATS_PASSWORD: 'hunter2' });
    await child.waitForLog('running');
    child.proc.kill('SIGTERM');
    const exit = await exitWithin(child);
    expect({ ...exit, stderr: child.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    const lines = jsonLines(child.stdout());
    expect(lines.map((l) => l.msg)).toEqual(['starting', 'ready', 'running', 'stopping', 'stop called', 'stopped']);
    expect(child.stdout()).not.toContain('hunter2');
    expect(child.stdout()).not.toContain('tok-in-clear');
    const ready = lines.find((l) => l.msg === 'ready');
    expect(ready).toMatchObject({
      service: 'fixture',
      level: 30,
      auth: { user: 'svc', password: '[redacted]' },
      token: '[redacted]',
    });
    const starting = lines.find((l) => l.msg === 'starting');
    expect(starting).toMatchObject({
      config: { NATS_PASSWORD: '[redacted]', WORKER_MODE: 'paper', WORKER_PORT: 7497 },
    });
    expect(lines.find((l) => l.msg === 'stop called')).toMatchObject({ aborted: true });
  });

  test('fatal() logs the reason and what to do next, stops, and exits 69', async () => {
    const child = startFixture({ MODE: 'fatal' });
    const { code } = await exitWithin(child);
    expect(code).toBe(69);
    expect(child.stderr()).toContain('fatal: NATS connection closed after 3 reconnect attempts');
    expect(child.stderr()).toContain('next: check NATS_URL');
    const lines = jsonLines(child.stdout());
    expect(lines.find((l) => l.level === 60)).toMatchObject({
      msg: 'NATS connection closed after 3 reconnect attempts',
    });
    expect(lines.some((l) => l.msg === 'stop called')).toBe(true);
  });

  test('secret values never reach stdout or stderr, even inside messages, error texts and fatal hints', async () => {
    const child = startFixture({
      MODE: 'leak',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_USER: 'svc',
      NATS_PASSWORD: 'pw-hunter2',
    });
    const { code } = await exitWithin(child);
    expect(code).toBe(69);
    const all = child.stdout() + child.stderr();
    expect(all).toContain('logging in with [redacted]');
    expect(child.stderr()).toContain('fatal: login with [redacted] refused');
    expect(all).not.toContain('pw-hunter2');
  });

  test('a stop() that hangs is cut at stopTimeoutMs and exits 1', async () => {
    const child = startFixture({ MODE: 'slow-stop', STOP_TIMEOUT_MS: '300' });
    await child.waitForLog('running');
    child.proc.kill('SIGTERM');
    const { code } = await exitWithin(child);
    expect(code).toBe(1);
    const failed = jsonLines(child.stdout()).find((l) => l.msg === 'stop failed');
    expect(failed).toMatchObject({ err: { type: 'StopTimeoutError' } });
  });

  test.each([
    ['throw', 'uncaught exception', 'boom from a timer'],
    ['reject', 'unhandled promise rejection', 'nobody caught me'],
  ])('%s: logged as { err }, stopped, exit 1', async (mode, msg, message) => {
    const child = startFixture({ MODE: mode });
    const { code } = await exitWithin(child);
    expect(code).toBe(1);
    const lines = jsonLines(child.stdout());
    expect(lines.find((l) => l.msg === msg)).toMatchObject({ level: 60, err: { message } });
    expect(lines.some((l) => l.msg === 'stop called')).toBe(true);
  });
});
