/**
 * `trading-system run` as a user runs it: the crossover example's own command line, on an embedded system whose
 * broker `sim` is a real ib-sim over its socket (SIM_ENABLED=false points the gateway at it). That sim's clock is
 * inside a regular session (2024-03-13 11:00 New York), so quotes and fills come at any hour CI runs this.
 */
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ port: 0, clock: scaledClock(Date.parse('2024-03-13T15:00:00Z'), 1) });
});
afterAll(async () => {
  await sim?.stop();
});

const env = (): Record<string, string> => ({ SIM_ENABLED: 'false', IB_HOST: '127.0.0.1', IB_PORT: String(sim.port) });
const example = ['run', 'examples/strategies/ma-crossover.ts', '--broker', 'sim', '--symbol', 'AAPL'];

describe('trading-system run', () => {
  test('the crossover example runs on the broker for --seconds and ends with its summary', async () => {
    const r = await runCli([...example, '--bar', '1s', '--param', 'fast=2', '--param', 'slow=3', '--seconds', '6'], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(r.stderr).toMatch(/running examples\/strategies\/ma-crossover\.ts on sim: AAPL 1s bars; stopping after 6 s/);
    expect(r.stderr).toMatch(/stopping \(seconds\)/);
    expect(r.code).toBe(0);
    // About one bar a second (the slot the run started in is dropped).
    const bars = Number(/, (\d+) bars\n/.exec(r.stdout)?.[1]);
    expect(bars).toBeGreaterThanOrEqual(3);
    expect(r.stdout).toMatch(/^ma-crossover \(orders tagged ma-crossover\) on sim: /);
    expect(r.stdout).toMatch(/params: fast=2 slow=3 quantity=100/);
    expect(r.stdout).toMatch(/\norders: \d+ \(\d+ with fills\)/);
    expect(r.stdout).toMatch(/\nfills: \d+/);
    // Whatever it traded, it ends flat or long (long only) and nothing is left working: stop() cancelled it.
    expect(r.stdout).toMatch(/\nposition: (flat|AAPL \d+ @ [\d.]+)\n/);
    expect(r.stdout).not.toMatch(/ submitted | accepted | pendingSubmit /);
  }, 60_000);

  test('Ctrl-C stops the run: onStop, summary, exit 130', async () => {
    let sent = false;
    const r = await runCli([...example, '--bar', '1m'], {
      env: env(),
      timeoutMs: 60_000,
      processGroup: true,
      onStderr: (text, child) => {
        if (!sent && text.includes('Ctrl-C to stop') && child.pid !== undefined) {
          sent = true;
          process.kill(-child.pid, 'SIGINT');
        }
      },
    });
    expect(r.stderr).toMatch(/stopping \(interrupted\)/);
    expect(r.stdout).toMatch(/orders: 0 \(0 with fills\)/);
    expect(r.stdout).toMatch(/position: flat/);
    expect(r.code).toBe(130);
  }, 60_000);

  test('usage errors name what to type', async () => {
    const r = await runCli(['run', 'examples/strategies/ma-crossover.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--symbol is required/);
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--strategy-id ID/);
  });
});
