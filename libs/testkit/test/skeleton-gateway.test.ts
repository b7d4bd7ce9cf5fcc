/**
 * The skeleton gateway of docs/adding-a-broker.md keeps working as the contract changes: it type-checks with the
 * workspace (tsconfig includes examples/), and here it answers on the bus as the doc says, read with the
 * conformance suite's own client.
 */
import { catalog } from '@trading-system/contracts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { start } from '../../../examples/skeleton-gateway/app.js';
import { paperVenue } from '../../../examples/skeleton-gateway/paper-venue.js';
import { BrokerClient } from '../src/conformance/index.js';
import { createTestMemoryBus, type TestBus, uniqueName } from '../src/index.js';

let nats: TestBus;
let client: BrokerClient;
let stop: () => Promise<void>;
beforeAll(async () => {
  nats = await createTestMemoryBus(catalog);
  const broker = uniqueName('skel');
  const gateway = await start({
    bus: nats.bus,
    broker,
    venue: paperVenue({ account: 'PAPER1', price: 100, feePerUnit: 0.01 }),
  });
  stop = () => gateway.stop();
  client = new BrokerClient(nats.bus, broker);
  await client.record();
});
afterAll(async () => {
  await client.stop();
  await stop();
  await nats.close();
});

const order = (clientOrderId: string, over: object = {}) => ({
  v: 1 as const,
  clientOrderId,
  account: 'PAPER1',
  instrument: { id: '1' },
  side: 'BUY' as const,
  quantity: '3',
  orderType: 'MKT' as const,
  tif: 'DAY' as const,
  outsideRth: false,
  ...over,
});

test('status: connected, with its account', async () => {
  expect(await client.command('status', { v: 1 })).toMatchObject({
    ok: true,
    status: { state: 'connected', accounts: ['PAPER1'] },
  });
});

test('a market order fills: status Filled, one execution, one commission', async () => {
  const r = await client.command('placeOrder', order('skel-1'));
  expect(r).toMatchObject({ ok: true, orderId: '1' });
  await client.waitFor('orderStatus', (s) => s.clientOrderId === 'skel-1' && s.status === 'filled', 'filled');
  const x = await client.waitFor('execution', (e) => e.execution.clientOrderId === 'skel-1', 'execution');
  expect(x.execution).toMatchObject({ quantity: '3', price: '100' });
  await client.waitFor('commissionReport', (c) => c.execId === x.execution.execId, 'commission');
});

test('what it does not announce is refused unsent; unimplemented verbs answer at once', async () => {
  const s = await client.command('status', { v: 1 });
  expect(s.ok && s.status.capabilities?.orderTypes).toEqual({ MKT: ['DAY'], LMT: ['DAY'] });
  expect(await client.command('placeOrder', order('skel-2', { tif: 'GTC' }))).toMatchObject({
    ok: false,
    code: 'ORDER_TYPE_UNSUPPORTED',
  });
  expect(await client.command('cancelAll', { v: 1 })).toMatchObject({ ok: false, code: 'SERVICE_UNAVAILABLE' });
});
