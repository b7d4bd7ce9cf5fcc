/**
 * `npm start` (services/embedded/src/main.ts) serves the dashboard beside the system and prints its address; with
 * DASHBOARD_ENABLED=false it serves nothing. A child process, as a user runs it.
 */
import { spawnTs, stopProc } from '@trading-system/testkit';
import { expect, test } from 'vitest';

const ENV = { PGLITE_DATA_DIR: 'memory://', SIM_PORT: '0', LOG_LEVEL: 'warn' };

test('npm start prints the dashboard address, and the page and its data are served there', async () => {
  const p = spawnTs('services/embedded/src/main.ts', [], { ...ENV, DASHBOARD_PORT: '0' }, { clean: true });
  try {
    await expect
      .poll(() => p.output.join(''), { timeout: 45_000 })
      .toMatch(/trading-system is running[\s\S]*stop: Ctrl-C/);
    const out = p.output.join('');
    const url = /\n {2}dashboard: (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/text\/html/);
    const brokers = (await (await fetch(`${url}/api/brokers`)).json()) as { brokers: { broker: string }[] };
    expect(brokers.brokers.map((b) => b.broker)).toContain('sim');
    expect((await fetch(`${url}/api/config`)).status).toBe(200);
  } finally {
    await stopProc(p);
  }
  expect(await p.exited).toBe(0);
}, 60_000);

test('DASHBOARD_ENABLED=false: no dashboard line, nothing served', async () => {
  const p = spawnTs('services/embedded/src/main.ts', [], { ...ENV, DASHBOARD_ENABLED: 'false' }, { clean: true });
  try {
    await expect.poll(() => p.output.join(''), { timeout: 45_000 }).toMatch(/stop: Ctrl-C/);
    expect(p.output.join('')).not.toMatch(/dashboard:/);
  } finally {
    await stopProc(p);
  }
}, 60_000);
