/**
 * ib-sim's port when it is taken (a TWS, IB Gateway or another system on 7497): the SDK's embedded system moves
 * ib-sim to a free port and says nothing alarming; `npm start`, asked for that port, stops with one line saying
 * what to set (exit 78), no stack.
 */
import { createServer, type Server } from 'node:net';
import { createLogger, loadConfig } from '@trading-system/runtime';
import { spawnTs } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EmbeddedConfig, startEmbedded } from '../src/index.js';

let holder: Server;
let taken: number;

beforeAll(async () => {
  holder = createServer();
  taken = await new Promise<number>((resolve) =>
    holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
  );
});
afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

test('SIM_PORT taken and SIM_PORT_FALLBACK=true: ib-sim listens on a free port, no error logged', async () => {
  const lines: string[] = [];
  const system = await startEmbedded({
    config: loadConfig(EmbeddedConfig, {
      SIM_PORT: String(taken),
      SIM_PORT_FALLBACK: 'true',
      PGLITE_DATA_DIR: 'memory://',
      LOG_LEVEL: 'info',
    }),
    logger: createLogger({
      service: 'sim-port-test',
      level: 'info',
      destination: { write: (l: string) => lines.push(l) },
    }),
  });
  try {
    expect(system.sim?.port).toBeGreaterThan(0);
    expect(system.sim?.port).not.toBe(taken);
    expect(system.brokerReady).toBe(true);
    expect(system.describe().join('\n')).toMatch(new RegExp(`ib-sim .* on 127\\.0\\.0\\.1:${system.sim?.port}`));
  } finally {
    await system.stop();
  }
  expect(lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  expect(lines.join('')).toMatch(/port taken \(a TWS or another ib-sim\): ib-sim listens on a free port/);
}, 60_000);

test('npm start with SIM_PORT taken: exit 78 with what to set, and no stack', async () => {
  const p = spawnTs(
    'services/embedded/src/main.ts',
    [],
    { SIM_PORT: String(taken), PGLITE_DATA_DIR: 'memory://', LOG_LEVEL: 'warn' },
    { clean: true },
  );
  const code = await p.exited;
  const out = p.output.join('');
  expect(code, out).toBe(78);
  expect(out).toMatch(
    new RegExp(`trading-system: fatal: ib-sim cannot listen on 127\\.0\\.0\\.1:${taken}: the port is taken`),
  );
  expect(out).toMatch(/next: SIM_PORT=0 runs ib-sim on any free port .* SIM_ENABLED=false IB_PORT=/);
  expect(out).not.toMatch(/"stack"/);
  expect(out).not.toMatch(/"level":50/);
}, 60_000);
