/**
 * The examples run as a newcomer runs them (`npx tsx examples/<name>.ts` from the repository root, no NATS_URL):
 * a child process on the embedded default, judged by what it prints.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

function run(
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { NATS_URL: _n, DATABASE_URL: _d, ...rest } = process.env;
  return new Promise((resolve) => {
    execFile(
      tsx,
      [script],
      { cwd: root, env: { ...rest, LOG_LEVEL: 'warn', ...env }, timeout: 100_000, maxBuffer: 10_000_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('examples/basic-usage.ts: hourly AAPL bars over the last 5 days as a table, and a working order', async () => {
  const { code, stdout, stderr } = await run('examples/basic-usage.ts');
  expect(stderr + stdout).not.toMatch(/"level":50/);
  expect(code, stderr).toBe(0);
  // console.table rows: │ index │ 'YYYY-MM-DD HH:MM' │ open │ high │ low │ close │ volume │ (cells padded)
  const rows = [...stdout.matchAll(/│ '(\d{4}-\d\d-\d\d) \d\d:\d\d'(?:\s*│\s*[\d.]+){5}\s*│/g)];
  expect(rows.length).toBeGreaterThanOrEqual(14);
  const days = new Set(rows.map((r) => r[1]));
  expect(days.size).toBeGreaterThanOrEqual(3);
  const summary = /AAPL: (\d+) bars of 1 hour over (\d+) trading days/.exec(stdout);
  expect(Number(summary?.[1])).toBe(rows.length);
  expect(Number(summary?.[2])).toBe(days.size);
  expect(stdout).toMatch(/order quickstart-[0-9a-f-]+: BUY 10 AAPL LMT \d+\.\d\d GTC/);
  expect(stdout).toMatch(/status: submitted \(filled 0 of 10, broker order id \d+\)/);
}, 120_000);

test('examples/strategy-example.ts runs for its bounded time on live quotes and reports', async () => {
  const { code, stdout, stderr } = await run('examples/strategy-example.ts', { RUN_SECONDS: '4' });
  expect(code, stderr).toBe(0);
  const done = /\n(\d+) quotes, (\d+) orders, position (-?\d+) AAPL/.exec(stdout);
  expect(Number(done?.[1])).toBeGreaterThan(0);
}, 120_000);
