/**
 * The HTTP control port: every fault of the control surface over JSON POSTs, state over GETs, refusals as
 * `{ ok: false, code }` with 400/404; and the CLI (`control-cli.ts`) run as its own process against it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EventName } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CliUsageError, parseCliArgs } from '../src/control-cli.js';
import { type ControlHttp, startControlHttp } from '../src/control-http.js';
import { withTimeout } from './helpers.js';
import {
  AAPL,
  connectRecorder,
  limit,
  type ManualSim,
  market,
  type Recorder,
  startManualSim,
} from './order-helpers.js';

let m: ManualSim;
let http: ControlHttp;
let c: Recorder;
beforeAll(async () => {
  m = await startManualSim();
  http = await startControlHttp(m.sim.control, 0);
  c = await connectRecorder(m.sim.port, 31);
});
afterAll(async () => {
  c.client.close();
  await http.close();
  await m.sim.stop();
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${http.port}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const CLI = fileURLToPath(new URL('../src/control-cli.ts', import.meta.url));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    }),
    20_000,
    `cli ${args.join(' ')}`,
  );
}

describe('HTTP control port', () => {
  test('POST /reject-next: the next order is rejected with that reason', async () => {
    expect(await call('POST', '/reject-next', { reason: 'via http' })).toEqual({ status: 200, json: { ok: true } });
    c.ib.placeOrder(1, AAPL, market('BUY', 10));
    expect((await c.waitError(201, 1)).message).toBe('Order rejected - reason:via http');
  });

  test('POST /nightly-reset, /farm, /competing-session reach the client', async () => {
    const from = c.client.infos.length;
    const reset = await call('POST', '/nightly-reset', { dataLost: true });
    expect(reset.json).toEqual({ ok: true, sent: [1100, 2103, 2105, 2104, 2106, 1101] });
    await call('POST', '/farm', { kind: 'market', ok: false, name: 'eufarm' });
    await c.until(() => c.client.infos.length >= from + 7, 'notices');
    expect(c.client.infos.slice(from).map((i) => i.code)).toEqual([1100, 2103, 2105, 2104, 2106, 1101, 2103]);
    expect(c.client.infos.at(-1)?.message).toBe('Market data farm connection is broken:eufarm');
    c.ib.reqMktData(3, AAPL, '', false, false);
    await c.until(() => m.sim.control.marketDataLines === 1, 'line');
    await call('POST', '/competing-session');
    await c.waitError(10197, 3);
    c.ib.cancelMktData(3);
  });

  test('POST /delay and /stall-history switch the wire faults', async () => {
    await call('POST', '/stall-history', { stalled: true });
    expect(m.sim.control.context.historicalStalled).toBe(true);
    await call('POST', '/stall-history', { stalled: false });
    expect(m.sim.control.context.historicalStalled).toBe(false);
    await call('POST', '/delay', { ms: 150 });
    const started = Date.now();
    const reply = new Promise<void>((resolve) => c.ib.once(EventName.currentTime, () => resolve()));
    c.ib.reqCurrentTime();
    await withTimeout(reply, 3_000, 'delayed currentTime');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await call('POST', '/delay', { ms: 0 });
  });

  test('GET /orders, /positions, /sessions, /executions and POST /step', async () => {
    c.ib.placeOrder(2, AAPL, limit('BUY', 5, 1, { orderRef: 'http-2' }));
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 2 && s === 'Submitted');
    c.ib.placeOrder(4, AAPL, market('BUY', 100));
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 4 && s === 'Filled');
    const orders = (await call('GET', '/orders')).json as { open: Array<{ orderRef: string }>; completed: unknown[] };
    expect(orders.open.map((o) => o.orderRef)).toEqual(['http-2']);
    expect(orders.completed).toHaveLength(2);
    const positions = (await call('GET', '/positions')).json.positions as Array<{
      position: number;
      costBasisMicros: string;
    }>;
    expect(positions[0]?.position).toBe(100);
    expect(typeof positions[0]?.costBasisMicros).toBe('string');
    const sessions = (await call('GET', '/sessions')).json.sessions as Array<{ clientId: number }>;
    expect(sessions.map((s) => s.clientId)).toEqual([31]);
    expect(((await call('GET', '/executions')).json.executions as unknown[]).length).toBe(1);
    expect((await call('POST', '/step')).json).toEqual({ ok: true });
  });

  test('POST /lose-next: the next placeOrder vanishes without a trace, the one after it is taken', async () => {
    expect(await call('POST', '/lose-next', {})).toEqual({ status: 200, json: { ok: true, pending: 1 } });
    const errors = c.client.errors.length;
    c.ib.placeOrder(6, AAPL, limit('BUY', 5, 1, { orderRef: 'lost-6' }));
    c.ib.placeOrder(7, AAPL, limit('BUY', 5, 1, { orderRef: 'kept-7' }));
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 7 && s === 'Submitted');
    const orders = (await call('GET', '/orders')).json as {
      open: Array<{ orderRef: string }>;
      completed: Array<{ orderRef: string }>;
    };
    const refs = [...orders.open, ...orders.completed].map((o) => o.orderRef);
    expect(refs).toContain('kept-7');
    expect(refs).not.toContain('lost-6');
    expect(c.client.errors.length).toBe(errors);
    expect((await call('POST', '/lose-next', { count: 0 })).status).toBe(400);
  });

  test('refusals: 400 with a reason for bad bodies, 404 for unknown routes', async () => {
    expect(await call('POST', '/drop-client', { clientId: 'x' })).toEqual({
      status: 400,
      json: { ok: false, code: 'bad_request', message: 'clientId must be an integer' },
    });
    expect((await call('POST', '/farm', { kind: 'moon', ok: true })).status).toBe(400);
    expect((await call('POST', '/reject-next', {})).status).toBe(400);
    expect((await call('GET', '/nope')).json).toEqual({ ok: false, code: 'not_found', message: 'no route GET /nope' });
    const bad = await fetch(`http://127.0.0.1:${http.port}/delay`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
  });

  test('POST /drop-client closes that client socket', async () => {
    const gone = c.waitFor(EventName.disconnected);
    expect((await call('POST', '/drop-client', { clientId: 31 })).json).toEqual({ ok: true, dropped: 1 });
    await gone;
    c = await connectRecorder(m.sim.port, 31);
  });
});

describe('CLI', () => {
  test('argument parsing maps commands to routes and refuses bad usage', () => {
    expect(parseCliArgs(['nightly-reset', '--port', '7', '--data-lost'])).toEqual({
      method: 'POST',
      path: '/nightly-reset',
      body: { dataLost: true },
      port: 7,
      host: '127.0.0.1',
    });
    expect(parseCliArgs(['farm', '--port', '7', '--kind', 'hmds', '--broken']).body).toEqual({
      kind: 'hmds',
      ok: false,
    });
    expect(parseCliArgs(['orders', '--port', '7']).method).toBe('GET');
    expect(() => parseCliArgs(['farm', '--port', '7', '--kind', 'hmds'])).toThrow(CliUsageError);
    expect(() => parseCliArgs(['explode', '--port', '7'])).toThrow('unknown command explode');
    expect(() => parseCliArgs(['step'])).toThrow('--port needs a value');
  });

  test('as a process: nightly-reset --data-lost and reject-next reach the sim; bad usage exits 2', async () => {
    const from = c.client.infos.length;
    const reset = await runCli(['nightly-reset', '--port', String(http.port), '--data-lost']);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toEqual({ ok: true, sent: [1100, 2103, 2105, 2104, 2106, 1101] });
    await c.until(() => c.client.infos.slice(from).some((i) => i.code === 1101), '1101');

    const reject = await runCli(['reject-next', '--port', String(http.port), '--reason', 'from the cli']);
    expect(reject.code).toBe(0);
    c.ib.placeOrder(10, AAPL, market('BUY', 1));
    expect((await c.waitError(201, 10)).message).toBe('Order rejected - reason:from the cli');

    const orders = await runCli(['orders', '--port', String(http.port)]);
    expect(JSON.parse(orders.stdout).ok).toBe(true);
    const usage = await runCli(['farm', '--port', String(http.port)]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--kind needs a value');
  }, 60_000);
});
