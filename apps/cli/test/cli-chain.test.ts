/**
 * `trading-system chain` on the embedded default (ib-sim as broker `sim`): the chain as JSON with greeks, the
 * table, and an order for one option picked from it with the order command's contract flags.
 */
import { describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

interface Side {
  instrumentId?: string;
  bid?: string;
  ask?: string;
  iv?: number;
  delta?: number;
  code?: string;
}
interface ChainJson {
  symbol: string;
  expirations: string[];
  strikes: string[];
  expiry: string;
  rows: Array<{ strike: string; call?: Side; put?: Side }>;
}

describe('chain', () => {
  // Each run starts the embedded system in its own process: three runs, one test.
  test('--json with greeks, a table for a chosen expiry, then an order for one option of it', async () => {
    const r = await runCli(['chain', 'AAPL', '--json', '--strikes', '7'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const chain = JSON.parse(r.stdout) as ChainJson;
    expect(chain.symbol).toBe('AAPL');
    expect(chain.expiry).toBe(chain.expirations[0]);
    expect(chain.strikes).toHaveLength(17);
    expect(chain.rows).toHaveLength(7);
    for (const row of chain.rows) {
      expect(chain.strikes).toContain(row.strike);
      expect(row.call?.iv).toBeGreaterThan(0);
      expect(row.call?.delta).toBeGreaterThanOrEqual(0);
      expect(row.put?.delta).toBeLessThanOrEqual(0);
      expect(Number(row.call?.ask)).toBeGreaterThan(Number(row.call?.bid));
    }
    // Call deltas fall as the strike rises. Deep in the money they all sit at e^(-qT) (0.99999650…) and differ only
    // in the tenth decimal, with the underlying moving between the options' snapshots: compare to a millionth.
    const deltas = chain.rows.map((row) => row.call?.delta as number);
    for (let i = 1; i < deltas.length; i += 1) {
      expect(deltas[i] as number).toBeLessThanOrEqual((deltas[i - 1] as number) + 1e-6);
    }
    expect(deltas[0] as number).toBeGreaterThan(deltas[deltas.length - 1] as number);

    const expiry = chain.expirations[1] as string;
    const table = await runCli(['chain', 'AAPL', '--expiry', expiry, '--strikes', '5'], { timeoutMs: 120_000 });
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toContain(`AAPL options expiring ${expiry}`);
    expect(lines[1]).toMatch(/call bid\s+call ask\s+call IV%\s+call delta\s+strike\s+put bid/);
    expect(lines).toHaveLength(3 + 5);

    const strike = chain.rows[3]?.strike as string;
    const order = await runCli(
      [
        'order',
        'buy',
        '1',
        'AAPL',
        '--sec-type',
        'OPT',
        '--expiry',
        expiry,
        '--strike',
        strike,
        '--right',
        'C',
        '--type',
        'lmt',
        '--limit',
        '0.05',
        '--tif',
        'GTC',
      ],
      { timeoutMs: 120_000 },
    );
    expect(order.code, order.stderr).toBe(0);
    expect(order.stdout).toMatch(/status: submitted/);
  }, 400_000);
});
