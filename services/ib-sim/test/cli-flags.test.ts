/** ib-sim as a process: --help answers with the flags; a bad flag or value is refused naming the flag. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });

test('--help prints every flag and exits 0 without starting a server', () => {
  const r = run('--help');
  expect(r.status).toBe(0);
  for (const flag of ['--port', '--time-scale', '--start', '--control-port', '--state-file', '--starting-cash'])
    expect(r.stdout).toContain(flag);
  expect(r.stdout).not.toContain('listening');
});

test('an unknown flag exits 2 and points at --help', () => {
  const r = run('--bogus');
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/unknown option '--bogus'.*run with --help/);
});

test('a bad value exits 2 naming the flag, what it got and what it expects', () => {
  const r = run('--port', 'seventy', '--start', 'yesterday');
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--port: .*\(got "seventy"\), expected a TCP port/);
  expect(r.stderr).toMatch(/--start: .*\(got "yesterday"\)/);
  expect(r.stderr).toContain('run with --help');
  expect(r.stdout).not.toContain('listening');
});
