/**
 * Instrument ids at Alpaca: an instrument's id is its asset UUID; the id the version before derived from it (a hash,
 * as a decimal string) still names the same asset, for ledger rows and cached bars written then; an id that names no
 * asset is CONTRACT_UNKNOWN. On alpaca-sim.
 */
import { InstrumentId } from '@trading-system/contracts';
import type { BrokerClient } from '@trading-system/testkit/conformance';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { legacyInstrumentIdOf } from '../src/mapping.js';
import { type startHarness, startRecordedHarness } from './helpers.js';

let h: Awaited<ReturnType<typeof startHarness>>;
let c: BrokerClient;
beforeAll(async () => {
  ({ h, c } = await startRecordedHarness());
}, 30_000);
afterAll(async () => {
  await c?.stop();
  await h?.stop();
});

test("an instrument's id is its asset UUID; the old hashed id is an alias of it; an unknown id is refused", async () => {
  const r = await c.command('qualifyContract', { v: 1, instrument: { secType: 'STK', symbol: 'AAPL' } });
  if (!r.ok || r.instruments[0] === undefined) throw new Error(`AAPL not qualified: ${JSON.stringify(r)}`);
  const aapl = r.instruments[0];
  expect(aapl.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(InstrumentId.safeParse(aapl.id).success).toBe(true);

  const legacy = legacyInstrumentIdOf(aapl.id);
  expect(legacy).toMatch(/^[1-9][0-9]*$/);
  expect(await c.command('qualifyContract', { v: 1, instrument: { id: legacy } })).toEqual({
    v: 1,
    ok: true,
    instruments: [aapl],
  });
  const snap = await c.command('mdSnapshot', { v: 1, instrument: { id: legacy } });
  expect(snap).toMatchObject({ ok: true, tick: { instrumentId: aapl.id } });

  for (const id of ['265598', 'not-an-asset'])
    expect(await c.command('qualifyContract', { v: 1, instrument: { id } }), id).toMatchObject({
      ok: false,
      code: 'CONTRACT_UNKNOWN',
    });
}, 30_000);
