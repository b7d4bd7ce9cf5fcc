import { connect } from 'node:net';
import { Subjects } from '@trading-system/contracts';
import { createLogger, loadConfig } from '@trading-system/runtime';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Embedded, EmbeddedConfig, startEmbedded } from '../src/index.js';

let system: Embedded;

beforeAll(async () => {
  const config = loadConfig(EmbeddedConfig, { SIM_PORT: '0', LOG_LEVEL: 'silent' });
  system = await startEmbedded({ config, logger: createLogger({ service: 'test', level: 'silent' }) });
});
afterAll(() => system.stop());

test('with no NATS_URL the bus is in-process and validates against the catalog', async () => {
  expect(system.busKind).toBe('memory');
  const subject = Subjects.ordersSubmit.build();
  await expect(system.bus.request(subject, { nonsense: true }, { timeoutMs: 1000 })).rejects.toMatchObject({
    name: 'InvalidMessageError',
  });
});

test('ib-sim listens on the port it reports', async () => {
  const sim = system.sim;
  if (sim === undefined) throw new Error('sim should be enabled by default');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: sim.host, port: sim.port }, () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
  expect(system.describe().join('\n')).toContain(`${sim.host}:${sim.port}`);
});
