/**
 * A core state stored when the exchange core keyed instruments by integers (snapshot version 1) opens under the
 * real ids: a decimal key as its decimal string, a hashed Alpaca UUID as that UUID. The hashed key below was
 * computed by the version that wrote such states (instrument-keys.ts `exchangeKeyOf`), so it is a recorded value,
 * not this module's own formula read back.
 */
import { Instrument } from '@trading-system/contracts';
import { Exchange, InvalidSnapshotError } from '@trading-system/exchange';
import { describe, expect, test } from 'vitest';
import { legacyInstrumentIds } from '../src/legacy-keys.js';

const UUID = 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415';
const UUID_KEY = 150005636335124;

const stock = (id: string, symbol: string): Instrument =>
  Instrument.parse({
    id,
    secType: 'STK',
    symbol,
    localSymbol: symbol,
    exchange: 'SMART',
    currency: 'USD',
    minTick: '0.01',
  });

describe('legacy core keys', () => {
  const known = [stock('265598', 'AAPL'), stock(UUID, 'SPY')];

  test('a decimal key is its decimal string; a hashed one the stored instrument it was made from', () => {
    const idOf = legacyInstrumentIds(known);
    expect(idOf(265598)).toBe('265598');
    expect(idOf(UUID_KEY)).toBe(UUID);
    expect(() => idOf(UUID_KEY + 1)).toThrow(InvalidSnapshotError);
  });

  test('a version-1 core state with both kinds of keys opens under the ids', () => {
    const position = (conId: number, symbol: string) => ({
      conId,
      symbol,
      secType: 'STK',
      currency: 'USD',
      exchange: 'SMART',
      multiplier: 1,
      qty: 10,
      costBasisMicros: '1000000000',
      realizedMicros: '0',
      lastFillPrice: 100,
    });
    const v1 = {
      version: 1,
      savedAtMs: 0,
      nextPermId: 1,
      execSequence: 0,
      maxOrderIds: [],
      orders: [],
      executions: [],
      accounts: [
        {
          id: 'PAPER',
          baseCurrency: 'USD',
          cash: [['USD', '1000000000000']],
          positions: [position(265598, 'AAPL'), position(UUID_KEY, 'SPY')],
        },
      ],
    };
    const core = Exchange.fromSnapshot(
      {
        quotes: { quoteAt: () => undefined },
        instruments: () => undefined,
        clock: { nowMs: () => 0 },
        legacyInstrumentId: legacyInstrumentIds(known),
      },
      v1,
    );
    expect(core.positions('PAPER').map((p) => [p.instrumentId, p.symbol, p.position])).toEqual([
      ['265598', 'AAPL', 10],
      [UUID, 'SPY', 10],
    ]);
  });
});
