/**
 * The command line end to end: `main.ts --control-port 0 --state-file F` as a process, driven by the CLI
 * (sessions, nightly-reset, positions) and an @stoqey/ib client; a restart keeps the position, `--reset`
 * clears it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventName } from '@stoqey/ib';
import { afterAll, expect, test } from 'vitest';
import { withTimeout } from './helpers.js';
import { AAPL, AAPL_ID, connectRecorder, market } from './order-helpers.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../src/control-cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ib-sim-main-'));
const stateFile = join(dir, 'state.json');
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly controlPort: number;
}

/** Starts main.ts; resolves with the ports it logged. Sim time: a Tuesday 11:00 New York, real speed. */
function startMain(extra: string[]): Promise<Running> {
  const args = ['--port', '0', '--control-port', '0', '--start', '2024-03-12T15:00:00Z', '--no-replay', ...extra];
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args]);
  children.push(child);
  let out = '';
  return withTimeout(
    new Promise<Running>((resolve, reject) => {
      let port: number | undefined;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        for (const line of out.split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'ib-sim listening') port = entry.port;
          if (entry.msg === 'control port listening' && port !== undefined && entry.port !== undefined) {
            resolve({ child, port, controlPort: entry.port });
          }
        }
      });
      child.on('exit', (code) => reject(new Error(`main exited ${code}: ${out}`)));
    }),
    20_000,
    'main.ts to listen',
  );
}

function stopMain(r: Running): Promise<number | null> {
  return withTimeout(
    new Promise((resolve) => {
      r.child.once('exit', (code) => resolve(code));
      r.child.kill('SIGTERM');
    }),
    10_000,
    'main.ts to stop',
  );
}

function cli(args: string[]): Promise<{ code: number | null; json: Record<string, unknown> }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args]);
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, json: JSON.parse(stdout || '{}') as Record<string, unknown> }));
    }),
    20_000,
    `cli ${args.join(' ')}`,
  );
}

test('main.ts with --control-port and --state-file, driven by the CLI; --reset clears', async () => {
  const first = await startMain(['--state-file', stateFile]);
  const c = await connectRecorder(first.port, 8);
  const sessions = await cli(['sessions', '--port', String(first.controlPort)]);
  expect((sessions.json.sessions as Array<{ clientId: number }>).map((s) => s.clientId)).toEqual([8]);
  const reset = await cli(['nightly-reset', '--port', String(first.controlPort)]);
  expect(reset.code).toBe(0);
  await c.waitInfo(1102);
  c.ib.placeOrder(1, AAPL, market('BUY', 100));
  await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 1 && s === 'Filled');
  c.client.close();
  expect(await stopMain(first)).toBe(0);

  const second = await startMain(['--state-file', stateFile]);
  const kept = await cli(['positions', '--port', String(second.controlPort)]);
  expect((kept.json.positions as Array<{ conId: number; position: number }>).map((p) => [p.conId, p.position])).toEqual(
    [[AAPL_ID, 100]],
  );
  expect(await stopMain(second)).toBe(0);

  const third = await startMain(['--state-file', stateFile, '--reset']);
  expect((await cli(['positions', '--port', String(third.controlPort)])).json.positions).toEqual([]);
  expect(await stopMain(third)).toBe(0);
}, 90_000);
