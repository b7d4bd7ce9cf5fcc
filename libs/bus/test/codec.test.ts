import { catalog, Tick, Trade } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { encodeValidated } from '../src/codec.js';
import { InvalidMessageError } from '../src/index.js';

/** The outbound codec on the real hot schemas: what leaves is always the JSON a receiver's schema accepts. */
const tick = {
  v: 1,
  broker: 'ib_paper',
  instrumentId: '265598',
  last: '187.26',
  volume: '1234567',
  tsEventMs: 1_710_255_600_000,
  tsInitMs: 1_710_255_600_001,
  delayed: false,
};
/** The catalog's own example trade (docs/subjects.md shows it): one sample of the schema, not a copy per test. */
const trade = catalog.lookup('md.trade.sim.265598')?.example as Trade;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('encodeValidated', () => {
  test('a flat tick or trade leaves as its JSON', () => {
    expect(text(encodeValidated('s', tick, Tick, 1_000))).toBe(JSON.stringify(tick));
    expect(text(encodeValidated('s', trade, Trade, 1_000))).toBe(JSON.stringify(trade));
  });

  test('what JSON would change is judged after JSON changed it', () => {
    const bad = (value: unknown, schema: typeof Tick | typeof Trade) => () =>
      encodeValidated('s', value, schema, 1_000);
    expect(bad({ ...tick, tsEventMs: Number.NaN }, Tick)).toThrow(InvalidMessageError);
    expect(bad({ ...trade, price: undefined }, Trade)).toThrow(InvalidMessageError);
    expect(bad({ ...trade, tsInitMs: new Date(0) }, Trade)).toThrow(InvalidMessageError);
    // A class whose toJSON drops a required field: the fast check would pass its fields, its JSON is refused.
    class Sneaky {
      constructor(readonly fields: typeof trade) {
        Object.assign(this, fields);
      }
      toJSON() {
        return { ...this.fields, price: undefined };
      }
    }
    expect(bad(new Sneaky(trade), Trade)).toThrow(InvalidMessageError);
    // A value zod accepts only after JSON (an optional key set to undefined is dropped by JSON) still goes.
    expect(JSON.parse(text(encodeValidated('s', { ...tick, bid: undefined }, Tick, 1_000)))).toEqual(tick);
  });
});
