/** alpaca-sim as a process: --help, a refused flag, and a real start whose port serves Alpaca's clock. */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });

test('--help prints the flags and exits 0 without starting a server', () => {
  const r = run('--help');
  expect(r.status).toBe(0);
  for (const flag of ['--port', '--key-id', '--secret-key', '--rate-limit', '--control-port', '--tick-ms']) {
    expect(r.stdout).toContain(flag);
  }
  expect(r.stdout).not.toContain('listening');
});

test('an unknown flag exits 2 and points at --help', () => {
  const r = run('--bogus');
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/unknown flag --bogus; run with --help/);
});

test('starts with the given keys, serves the clock, stops on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, '--port', '0', '--key-id', 'K1', '--secret-key', 'S1'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    let out = '';
    let port: number | undefined;
    while (port === undefined) {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('alpaca-sim listening'));
      if (line) port = (JSON.parse(line) as { port: number }).port;
    }
    const ok = await fetch(`http://127.0.0.1:${port}/v2/clock`, {
      headers: { 'APCA-API-KEY-ID': 'K1', 'APCA-API-SECRET-KEY': 'S1' },
    });
    expect(ok.status).toBe(200);
    expect(Object.keys((await ok.json()) as object)).toEqual(['timestamp', 'is_open', 'next_open', 'next_close']);
    const refused = await fetch(`http://127.0.0.1:${port}/v2/clock`, {
      headers: { 'APCA-API-KEY-ID': 'SIMKEY', 'APCA-API-SECRET-KEY': 'SIMSECRET' },
    });
    expect(refused.status).toBe(401);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
