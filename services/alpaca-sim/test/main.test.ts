/** alpaca-sim as a process: --help, a refused flag or value, and a real start whose port serves Alpaca's clock. */
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { throwawayCertificate } from './sdk-harness.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });

/** The port a started sim logs in its "alpaca-sim listening" line. */
async function listeningPort(child: ChildProcessByStdio<null, Readable, null>): Promise<number> {
  let out = '';
  for (;;) {
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    out += chunk.toString();
    const line = out.split('\n').find((l) => l.includes('alpaca-sim listening'));
    if (line) return (JSON.parse(line) as { port: number }).port;
  }
}

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
  expect(r.stderr).toMatch(/unknown option '--bogus'.*run with --help/);
});

test('a bad value exits 2 naming the flag, what it got and what it expects', () => {
  const r = run('--tick-ms', '0', '--rate-limit', 'lots');
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--tick-ms: .*\(got "0"\), expected milliseconds, 1 or more/);
  expect(r.stderr).toMatch(/--rate-limit: expected a whole number \(got "lots"\)/);
  expect(r.stderr).toContain('run with --help');
});

test('a keys file that is not JSON is refused without quoting it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alpaca-sim-keys-'));
  const file = join(dir, 'keys.json');
  writeFileSync(file, 'keyId=TOPSECRET');
  try {
    const r = run('--keys-file', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--keys-file: cannot read ${file} as JSON`);
    expect(r.stderr).not.toContain('TOPSECRET');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    const port = await listeningPort(child);
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

test('--tls-cert and --tls-key: https on the same port, verified against the given certificate; one alone exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alpaca-sim-tls-main-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const { cert, key } = throwawayCertificate();
  writeFileSync(certFile, cert);
  writeFileSync(keyFile, key);
  const alone = run('--tls-cert', certFile);
  expect(alone.status).toBe(2);
  expect(alone.stderr).toContain('--tls-cert and --tls-key go together');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, '--port', '0', '--tls-cert', certFile, '--tls-key', keyFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const port = await listeningPort(child);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpsGet(
        {
          host: '127.0.0.1',
          port,
          path: '/v2/clock',
          ca: cert,
          headers: { 'APCA-API-KEY-ID': 'SIMKEY', 'APCA-API-SECRET-KEY': 'SIMSECRET' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
    });
    expect(status).toBe(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
