/** The control surface over HTTP drives the same faults as the in-process control. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ControlHttp, startControlHttp } from '../src/control-http.js';
import { api, startTestSim, type TestSim } from './helpers.js';

let sim: TestSim;
let control: ControlHttp;

beforeAll(async () => {
  sim = await startTestSim();
  control = await startControlHttp(sim.control, 0);
});

afterAll(async () => {
  await control.close();
  await sim.stop();
});

const post = (path: string, body: unknown) =>
  fetch(`http://127.0.0.1:${control.port}${path}`, { method: 'POST', body: JSON.stringify(body) });

test('fail-next and rate-limit-next reach the REST server; bad input is a 400', async () => {
  expect((await post('/fail-next', { count: 1, status: 502 })).status).toBe(200);
  expect((await api(sim, 'GET', '/v2/clock')).status).toBe(502);
  expect((await post('/rate-limit-next', { count: 1 })).status).toBe(200);
  expect((await api(sim, 'GET', '/v2/clock')).status).toBe(429);
  expect((await api(sim, 'GET', '/v2/clock')).status).toBe(200);
  const bad = await post('/drop-streams', { kind: 'everything' });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({ ok: false, message: 'kind must be trading, data or all' });
  const missing = await fetch(`http://127.0.0.1:${control.port}/nothing`);
  expect(missing.status).toBe(404);
});

test('reject-next makes the next order rejected', async () => {
  expect((await post('/reject-next', { reason: 'halted' })).status).toBe(200);
  const r = await api(sim, 'POST', '/v2/orders', {
    symbol: 'SPY',
    qty: '1',
    side: 'buy',
    type: 'market',
    time_in_force: 'day',
  });
  expect(r.body.status).toBe('accepted');
  // The exchange sees the order after the reply; no stream client here, so read it back until it settles.
  await expect.poll(async () => (await api(sim, 'GET', `/v2/orders/${r.body.id}`)).body.status).toBe('rejected');
  const orders = (await (await fetch(`http://127.0.0.1:${control.port}/orders`)).json()) as {
    orders: { id: string }[];
  };
  expect(orders.orders.map((o) => o.id)).toContain(r.body.id);
});
