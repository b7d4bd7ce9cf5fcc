/**
 * Golden field counts of every message the server emits (spec §3, §5.3): @stoqey/ib reports 505 on one
 * extra or missing field and ib_async unpacks fixed tuples, so each layout is pinned here, at the served
 * versions 178 and 176.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { scaledClock } from '../src/clock.js';
import { RawClient, startTestSim, TUESDAY_1100_ET } from './helpers.js';

const AAPL = ['265598', '', '', '', '', '', '', 'SMART', '', '', '', ''];

let sim: RunningSim;
beforeAll(async () => {
  sim = await startTestSim({ clock: scaledClock(TUESDAY_1100_ET, 20) });
});
afterAll(() => sim.stop());

function count(raw: RawClient, id: string): number[] {
  return [...new Set(raw.messages.filter((m) => m[0] === id).map((m) => m.length))];
}

describe.each(['v100..193', 'v157..176'])('field counts (client %s)', (versions) => {
  test('every emitted message type has its exact field count', async () => {
    const clientId = versions === 'v100..193' ? 1 : 2;
    const raw = await RawClient.started(sim.port, clientId, versions);
    expect(raw.serverHello).toHaveLength(2);
    raw.send(['49', '1']);
    raw.send(['9', '8', '1', ...AAPL, '0', '', '', '']);
    raw.send(['81', '2', 'AAP']);
    raw.send(['1', '11', '3', ...AAPL, '0', '233,236,165', '0', '0', '']);
    raw.send(['1', '11', '4', ...AAPL, '0', '', '1', '0', '']);
    raw.send(['50', '3', '5', ...AAPL, '5', 'TRADES', '1', '']);
    raw.send(['20', '6', ...AAPL, '0', '20240311 16:00:00 US/Eastern', '1 hour', '2 D', '1', 'TRADES', '1', '0', '']);
    raw.send(['20', '7', ...AAPL, '0', '', '1 min', '1 D', '1', 'TRADES', '1', '1', '']);
    raw.send(['87', '8', ...AAPL, '0', '1', 'TRADES', '1']);
    raw.send(['5', '1']);
    raw.send(['99', '0']);
    raw.send(['61', '1']);
    raw.send(['7', '3', '9', '0', '', '', '', '', '', '']);
    raw.send(['6', '2', '1', '']);
    raw.send(['76', '1', '10', 'DU1234567', '', '0']);
    raw.send(['62', '1', '11', 'All', 'NetLiquidation']);
    raw.send(['2', '1', '404']);
    const opt = sim.control.catalog.instruments.find((i) => i.secType === 'OPT' && i.symbol === 'AAPL');
    const OPT = [String(opt?.conId), '', '', '', '', '', '', 'SMART', '', '', '', ''];
    raw.send(['78', '12', 'AAPL', '', 'STK', '265598']);
    raw.send(['1', '11', '13', ...OPT, '0', '', '0', '0', '']);
    raw.send(['54', '2', '14', ...OPT, '2.5', '180', '']);
    raw.send(['55', '2', '15', ...OPT, '0.3', '180', '0', '']); // ib_async's form: a count before the options
    const needed = [
      '21',
      '75',
      '76',
      '49',
      '10',
      '52',
      '79',
      '81',
      '58',
      '1',
      '2',
      '45',
      '46',
      '57',
      '50',
      '17',
      '90',
      '88',
      '53',
      '102',
      '62',
      '55',
      '54',
      '74',
      '64',
      '4',
    ];
    await raw.until(
      () => needed.every((id) => raw.messages.some((m) => m[0] === id)),
      `all of ${needed.join(',')}`,
      10_000,
    );
    // The calculation replies (tick type 53) come last: their requests were sent last.
    await raw.until(() => raw.messages.some((m) => m[0] === '21' && m[1] === '15'), 'calculateOptionPrice reply');
    expect(count(raw, '15')).toEqual([3]);
    expect(count(raw, '9')).toEqual([3]);
    expect(count(raw, '4')).toEqual([6]);
    expect(count(raw, '49')).toEqual([3]);
    expect(count(raw, '10')).toEqual([40]);
    expect(count(raw, '52')).toEqual([3]);
    expect(count(raw, '81')).toEqual([5]);
    expect(count(raw, '58')).toEqual([4]);
    expect(count(raw, '1')).toEqual([7]);
    expect(count(raw, '2')).toEqual([5]);
    expect(count(raw, '45')).toEqual([5]);
    expect(count(raw, '46')).toEqual([5]);
    expect(count(raw, '57')).toEqual([3]);
    expect(count(raw, '50')).toEqual([11]);
    expect(count(raw, '90')).toEqual([10]);
    expect(count(raw, '88')).toEqual([3]);
    expect(count(raw, '53')).toEqual([2]);
    expect(count(raw, '102')).toEqual([1]);
    expect(count(raw, '62')).toEqual([2]);
    expect(count(raw, '55')).toEqual([3]);
    expect(count(raw, '54')).toEqual([3]);
    expect(count(raw, '74')).toEqual([3]);
    expect(count(raw, '64')).toEqual([3]);
    expect(count(raw, '76')).toEqual([2]);
    expect(count(raw, '21')).toEqual([12]);
    for (const m of raw.messages.filter((x) => x[0] === '75')) {
      const expirations = Number(m[6]);
      expect(m.length).toBe(8 + expirations + Number(m[7 + expirations]));
    }
    const computations = raw.messages.filter((m) => m[0] === '21');
    expect(new Set(computations.map((m) => m[2]))).toEqual(new Set(['10', '11', '12', '13', '53']));
    for (const m of raw.messages.filter((x) => x[0] === '17')) expect(m.length).toBe(5 + 8 * Number(m[4]));
    const samples = raw.messages.find((m) => m[0] === '79') ?? [];
    let i = 3;
    for (let d = 0; d < Number(samples[2]); d++) {
      i += 5;
      i += 1 + Number(samples[i]);
      i += 2; // description, issuerId (sv >= 176)
    }
    expect(samples.length).toBe(i);
    // Counts and flags are integers, never "" (ib_async int()).
    const cd = raw.messages.find((m) => m[0] === '10') ?? [];
    expect(cd[30]).toBe('0');
    // 404 is an unknown ticker: 300 with the id.
    expect(raw.messages.some((m) => m[0] === '4' && m[2] === '404' && m[3] === '300')).toBe(true);
    raw.close();
  });
});
