/**
 * The acceptance: ib-sim, NATS and gateway-ib as separate processes (ib-sim in this test process, so it
 * can drop the connection; gateway-ib a child process started from src/main.ts; NATS the test server). A plain
 * NATS client (raw JSON, no project code) subscribes to ticks and places orders through the broker commands;
 * the sim drops the connection while a resting order fills; every tick subscription and every fill is back
 * within 5 s of the reconnect, with nothing duplicated on the stream.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { manualClock, type RunningSim, startSim } from '@trading-system/ib-sim';
import { natsUrl, uniqueName, wireSubject } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AAPL, AAPL_CON_ID, storedEvents, TUESDAY_1100_ET, withTimeout } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const broker = uniqueName('acc');
const clientId = 61;
let sim: RunningSim;
let gateway: ChildProcess;
let nc: NatsConnection;
let pump: NodeJS.Timeout;
const clock = manualClock(TUESDAY_1100_ET);
const stderr: string[] = [];

const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
const request = async <T>(subject: string, body: unknown, timeout = 5_000): Promise<T> =>
  (await nc.request(wireSubject(subject), json(body), { timeout })).json<T>();

/** Resolves with the first message on `subject` matching `match`. */
function first<T>(subject: string, match: (m: T) => boolean, ms = 8_000): Promise<T> {
  const sub = nc.subscribe(wireSubject(subject));
  const p = (async () => {
    for await (const m of sub) {
      const data = m.json<T>();
      if (match(data)) return data;
    }
    throw new Error(`subscription to ${subject} ended`);
  })();
  return withTimeout(p, ms, `a message on ${subject}`).finally(() => sub.unsubscribe());
}

beforeAll(async () => {
  sim = await startSim({ port: 0, clock });
  // The sim's clock follows the wall while the test does not jump it (ticks flow, orders match).
  pump = setInterval(() => clock.advance(50), 50);
  const url = await natsUrl();
  nc = await connect({ servers: url });
  gateway = spawn(`${ROOT}node_modules/.bin/tsx`, ['services/gateway-ib/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NATS_URL: url,
      IB_HOST: '127.0.0.1',
      IB_PORT: String(sim.port),
      IB_CLIENT_ID: String(clientId),
      BROKER_NAME: broker,
      GATEWAY_TYPE: uniqueName('g'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  gateway.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  await withTimeout(
    (async () => {
      for (;;) {
        try {
          const r = await request<{ ok: boolean; status?: { state: string } }>(
            `broker.${broker}.cmd.status`,
            { v: 1 },
            1_000,
          );
          if (r.ok && r.status?.state === 'connected') return;
        } catch {
          // no responder yet: the gateway process is still starting
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })(),
    20_000,
    `gateway-ib process connected (stderr: ${stderr.join('')})`,
  );
}, 30_000);

afterAll(async () => {
  clearInterval(pump);
  if (gateway.exitCode === null) {
    const exited = new Promise((r) => gateway.once('exit', r));
    gateway.kill('SIGTERM');
    await withTimeout(exited, 10_000, 'gateway-ib exit');
  }
  await nc.drain();
  await sim.stop();
}, 20_000);

test('ticks and fills survive a dropped connection: back within 5 s, nothing duplicated', async () => {
  const tick = `md.tick.${broker}.${AAPL}`;
  const gotTick = first<{ bid?: string }>(tick, (t) => t.bid !== undefined);
  const sub = await request<{ ok: boolean }>(`broker.${broker}.cmd.mdSubscribe`, {
    v: 1,
    instrument: { id: AAPL },
    streams: ['ticks'],
  });
  expect(sub.ok).toBe(true);
  await gotTick;

  const order = (clientOrderId: string, extra: object) => ({
    v: 1,
    clientOrderId,
    account: 'DU1234567',
    instrument: { id: AAPL },
    side: 'BUY',
    quantity: '10',
    tif: 'GTC',
    outsideRth: false,
    ...extra,
  });
  // A market order fills at once.
  const mkt = `acc-mkt-${randomUUID().slice(0, 8)}`;
  const mktFill = first<{ execution: { execId: string } }>(`broker.${broker}.evt.execution`, () => true);
  expect(await request(`broker.${broker}.cmd.placeOrder`, order(mkt, { orderType: 'MKT' }))).toMatchObject({
    ok: true,
  });
  const fill1 = await mktFill;

  // A limit at the lowest ask of the coming hour rests now and fills while the gateway is away.
  const now = clock.now();
  let target = Number.POSITIVE_INFINITY;
  let fillAt = 0;
  for (let t = now + 60_000; t <= now + 3_600_000; t += 250) {
    const ask = sim.control.quotes.quoteAt(AAPL_CON_ID, t).ask;
    if (ask < target) {
      target = ask;
      fillAt = t;
    }
  }
  const lmt = `acc-lmt-${randomUUID().slice(0, 8)}`;
  const resting = first<{ status: string; clientOrderId?: string }>(
    `broker.${broker}.evt.orderStatus`,
    (s) => s.clientOrderId === lmt && s.status === 'working',
  );
  expect(
    await request(`broker.${broker}.cmd.placeOrder`, order(lmt, { orderType: 'LMT', limitPrice: String(target) })),
  ).toMatchObject({
    ok: true,
  });
  await resting;

  const down = first<{ state: string }>(`broker.${broker}.status`, (s) => s.state === 'disconnected');
  const up = first<{ state: string; details?: { clientId?: number } }>(
    `broker.${broker}.status`,
    (s) => s.state === 'connected',
    10_000,
  );
  const lateFill = first<{ execution: { clientOrderId?: string } }>(
    `broker.${broker}.evt.execution`,
    (e) => e.execution.clientOrderId === lmt,
    15_000,
  );
  await nc.flush(); // the subscriptions above must be live at the server before the drop
  expect(sim.control.dropClient(clientId)).toBe(1);
  clock.set(fillAt); // the exchange fills the resting order now, with nobody connected
  expect(sim.control.orders().completed.some((o) => o.orderRef === lmt && o.status === 'Filled')).toBe(true);
  await down;
  const status = await up;
  const reconnectedAt = Date.now();
  expect(status.details?.clientId).toBe(clientId);
  const tickAfter = first<{ tsInitMs: number }>(tick, (t) => t.tsInitMs >= reconnectedAt);
  await Promise.all([tickAfter, lateFill]);
  expect(Date.now() - reconnectedAt).toBeLessThan(5_000);

  const stored = await storedEvents<{ execution: { execId: string; clientOrderId?: string } }>(
    `broker.${broker}.evt.execution`,
  );
  const execIds = stored.map((m) => m.data.execution.execId);
  expect(new Set(execIds).size).toBe(execIds.length);
  expect(stored.map((m) => m.data.execution.clientOrderId).sort()).toEqual([lmt, mkt].sort());
  expect(execIds).toContain(fill1.execution.execId);
  expect(sim.control.sessions().map((s) => s.clientId)).toEqual([clientId]);
}, 40_000);
