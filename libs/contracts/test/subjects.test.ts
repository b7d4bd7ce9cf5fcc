import { describe, expect, test } from 'vitest';
import {
  ContractError,
  catalog,
  instrumentToken,
  type SubjectName,
  Subjects,
  SubjectTokenError,
  subjectMatches,
} from '../src/index.js';

/** A valid value for every template parameter name used in Subjects. */
const VALUES: Record<string, string> = {
  broker: 'ib_paper',
  instrument: '265598',
  account: 'DU1234567',
  timeframe: '7m',
  kind: 'filled',
  verb: 'placeOrder',
  type: 'ib',
  requestId: 'req-42',
};

function paramsFor(name: SubjectName): Record<string, string> {
  const t = Subjects[name];
  const params: Record<string, string> = {};
  for (const p of t.params) {
    const v = VALUES[p];
    if (v === undefined) throw new Error(`no test value for ${p}`);
    params[p] = v;
  }
  // Literal kinds/verbs differ per family.
  if (name === 'brokerEvent') params.kind = 'execution';
  if (name === 'accountEvent') params.kind = 'position';
  if (name === 'gatewayCommand') params.verb = 'addBroker';
  return params;
}

type AnyBuild = (p?: Record<string, string | number>) => string;

describe('subject builders', () => {
  test('examples', () => {
    expect(Subjects.mdTick.build({ broker: 'sim', instrument: '265598' })).toBe('md.tick.sim.265598');
    expect(Subjects.mdBar.build({ timeframe: '1h', broker: 'sim', instrument: '8314' })).toBe('md.bar.1h.sim.8314');
    expect(Subjects.orderEvent.build({ broker: 'sim', account: 'DU1', kind: 'filled' })).toBe(
      'orders.evt.sim.DU1.filled',
    );
    expect(Subjects.brokerCommand.build({ broker: 'ib_paper', verb: 'placeOrder' })).toBe(
      'broker.ib_paper.cmd.placeOrder',
    );
    expect(Subjects.ordersSubmit.build()).toBe('orders.submit');
    expect(Subjects.histStream.build({ requestId: 'r1' })).toBe('hist.stream.r1');
    expect(Subjects.mdTick.pattern).toBe('md.tick.*.*');
    expect(Subjects.mdTick.filter({ broker: 'sim' })).toBe('md.tick.sim.*');
    expect(Subjects.orderEvent.filter({ kind: 'filled' })).toBe('orders.evt.*.*.filled');
    expect(instrumentToken('265598')).toBe('265598');
  });

  test.each(Object.keys(Subjects) as SubjectName[])('%s round-trips and is in the catalog', (name) => {
    const t = Subjects[name];
    const params = paramsFor(name);
    const subject = (t.build as AnyBuild)(params);
    expect(t.parse(subject)).toEqual(params);
    expect(subjectMatches(t.pattern, subject)).toBe(true);
    const entry = catalog.lookup(subject);
    expect(entry, `no catalog entry for ${subject}`).toBeDefined();
    expect(subjectMatches(entry!.pattern, subject)).toBe(true);
  });

  test('parse refuses subjects of another shape', () => {
    expect(Subjects.mdTick.parse('md.tick.sim')).toBeUndefined();
    expect(Subjects.mdTick.parse('md.tock.sim.1')).toBeUndefined();
    expect(Subjects.mdTick.parse('md.tick.sim.*')).toBeUndefined();
    expect(Subjects.mdTick.parse('md.tick.sim.1.2')).toBeUndefined();
  });

  test.each([
    ['', /is empty/],
    ['a.b', /'\.'/],
    ['AAPL.NASDAQ', /'\.'/],
    ['a*', /'\*'/],
    ['>', /'>'/],
    ['a b', /whitespace/],
    ['a\tb', /whitespace/],
    ['a\nb', /whitespace/],
  ])('token %j is refused with a typed error', (bad, reason) => {
    try {
      Subjects.mdTick.build({ broker: 'sim', instrument: bad });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SubjectTokenError);
      expect(err).toBeInstanceOf(ContractError);
      const e = err as SubjectTokenError;
      expect(e.code).toBe('INVALID_SUBJECT_TOKEN');
      expect(e.param).toBe('instrument');
      expect(e.message).toMatch(reason);
    }
  });

  test('a number token must be a whole non-negative number', () => {
    const build = Subjects.histStream.build as AnyBuild;
    expect(() => build({ requestId: 1.5 })).toThrow(SubjectTokenError);
    expect(() => build({ requestId: Number.NaN })).toThrow(SubjectTokenError);
  });

  test('an instrument token is an instrument id (token alphabet, at most 64)', () => {
    expect(instrumentToken('61e69015-8549-4bfd-b9c3-01e75843f47d')).toBe('61e69015-8549-4bfd-b9c3-01e75843f47d');
    for (const bad of ['', 'a.b', 'x'.repeat(65), 'a b']) expect(() => instrumentToken(bad)).toThrow(SubjectTokenError);
  });

  test('a missing parameter is refused, not turned into a wildcard', () => {
    const build = Subjects.mdTick.build as AnyBuild;
    expect(() => build({ broker: 'sim' })).toThrow(SubjectTokenError);
  });

  test('filter values are validated too', () => {
    expect(() => Subjects.mdTick.filter({ broker: 'a.b' })).toThrow(SubjectTokenError);
  });
});
