import { describe, expect, test } from 'vitest';
import {
  addDecimal,
  compareDecimal,
  Decimal,
  DecimalError,
  divDecimal,
  isMultipleOf,
  mulDecimal,
  negateDecimal,
  normalizeDecimal,
  OrderPrice,
  OrderQuantity,
  PositiveDecimal,
  Price,
  roundDecimal,
  SignedDecimal,
  significantDigits,
  subDecimal,
} from '../src/index.js';

function rejection(schema: typeof Decimal, input: unknown): string {
  const r = schema.safeParse(input);
  expect(r.success).toBe(false);
  return r.error?.issues[0]?.message ?? '';
}

describe('decimal string validation', () => {
  test.each([
    ['NaN', /NaN and Infinity/],
    ['Infinity', /NaN and Infinity/],
    ['-Infinity', /NaN and Infinity/],
    ['1e5', /exponent/],
    ['1E-3', /exponent/],
    ['+1', /'\+'/],
    [' 1', /whitespace/],
    ['1 ', /whitespace/],
    ['', /empty/],
    ['1'.repeat(33), /longer than 32/],
    ['0.1234567890123', /more than 12 fractional digits/],
    ['.5', /not a plain decimal/],
    ['5.', /not a plain decimal/],
    ['007', /not a plain decimal/],
    ['1,5', /not a plain decimal/],
    ['0x10', /not a plain decimal/],
  ])('%j is rejected with a clear message', (input, message) => {
    expect(rejection(SignedDecimal, input)).toMatch(message);
  });

  test('numbers are not accepted, only strings', () => {
    expect(Price.safeParse(1.5).success).toBe(false);
  });

  test.each(['0', '1', '187.25', '0.000000000001', '1.50', '123456789012345678.123456789012'])(
    '%j is accepted',
    (s) => {
      expect(SignedDecimal.parse(s)).toBe(s);
      expect(Decimal.parse(s)).toBe(s);
    },
  );

  test('unsigned schemas refuse negatives, signed accept them', () => {
    expect(rejection(Decimal, '-1')).toMatch(/negative/);
    expect(SignedDecimal.parse('-12.5')).toBe('-12.5');
    expect(Price.parse('-37.63')).toBe('-37.63');
  });

  test('positive schema refuses zero', () => {
    expect(rejection(PositiveDecimal, '0')).toMatch(/greater than 0/);
    expect(rejection(PositiveDecimal, '0.000')).toMatch(/greater than 0/);
    expect(PositiveDecimal.parse('0.01')).toBe('0.01');
  });
});

describe('decimal arithmetic is exact', () => {
  test('0.1 + 0.2 = 0.3', () => expect(addDecimal('0.1', '0.2')).toBe('0.3'));
  test.each([
    ['1.10', '2.205', '3.305'],
    ['-1', '0.25', '-0.75'],
    ['999999999999.999999999999', '0.000000000001', '1000000000000'],
  ])('%s + %s = %s', (a, b, want) => expect(addDecimal(a, b)).toBe(want));
  test('sub', () => {
    expect(subDecimal('0.3', '0.1')).toBe('0.2');
    expect(subDecimal('1', '1.000')).toBe('0');
    expect(subDecimal('1', '2.5')).toBe('-1.5');
  });
  test('mul', () => {
    expect(mulDecimal('187.25', '100')).toBe('18725');
    expect(mulDecimal('0.1', '0.2')).toBe('0.02');
    expect(mulDecimal('-1.5', '3')).toBe('-4.5');
    expect(mulDecimal('4500.25', '50')).toBe('225012.5');
  });
  test('div rounds half away from zero', () => {
    expect(divDecimal('1', '3', 4)).toBe('0.3333');
    expect(divDecimal('2', '3', 4)).toBe('0.6667');
    expect(divDecimal('-2', '3', 4)).toBe('-0.6667');
    expect(divDecimal('18725', '100')).toBe('187.25');
    expect(() => divDecimal('1', '0')).toThrow(DecimalError);
  });
  test('round, normalize, negate, compare', () => {
    expect(roundDecimal('1.005', 2)).toBe('1.01');
    expect(roundDecimal('-1.005', 2)).toBe('-1.01');
    expect(roundDecimal('1.004', 2)).toBe('1');
    expect(normalizeDecimal('1.500')).toBe('1.5');
    expect(normalizeDecimal('-0.0')).toBe('0');
    expect(negateDecimal('1.5')).toBe('-1.5');
    expect(negateDecimal('0')).toBe('0');
    expect(compareDecimal('1.10', '1.1')).toBe(0);
    expect(compareDecimal('0.3', '0.29999999')).toBe(1);
    expect(compareDecimal('-2', '1')).toBe(-1);
  });
  test('helpers throw a typed error on malformed input', () => {
    expect(() => addDecimal('1e5', '1')).toThrow(DecimalError);
    try {
      compareDecimal('NaN', '1');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DecimalError);
      expect((err as DecimalError).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('significant digits (what a broker double carries exactly)', () => {
  test.each([
    ['0', 0],
    ['187.25', 5],
    ['0.00120', 2],
    ['1500', 4],
    ['-1.5', 2],
    ['9007199254740993', 16],
    ['1000000000000000000000', 22],
    ['99999999999999999999.99', 22],
  ])('%s has %i', (s, n) => expect(significantDigits(s)).toBe(n));
  test('order quantities and prices stop at 15 digits', () => {
    expect(OrderQuantity.safeParse('999999999999999').success).toBe(true);
    expect(OrderQuantity.safeParse('1000000000000000').success).toBe(false);
    expect(OrderQuantity.safeParse('0').success).toBe(false);
    expect(OrderPrice.safeParse('-12345.678901234').success).toBe(true);
    expect(OrderPrice.safeParse('-123456.6789012345').success).toBe(false);
    // An accepted value comes back unchanged from a double (what @stoqey/ib and TWS carry).
    for (const v of ['999999999999999', '123456789.012345', '4500.25', '-0.5'])
      expect(String(Number(v))).toBe(normalizeDecimal(v));
    expect(String(Number('9007199254740993'))).not.toBe('9007199254740993');
  });
});

describe('tick grid', () => {
  test.each([
    ['187.25', '0.01', true],
    ['187.255', '0.01', false],
    ['4500.25', '0.25', true],
    ['4500.10', '0.25', false],
    ['1.08455', '0.00005', true],
    ['1.08456', '0.00005', false],
    ['-0.5', '0.25', true],
    ['100', '5', true],
    ['0.3', '0.1', true],
  ])('%s on tick %s → %s', (price, tick, want) => expect(isMultipleOf(price, tick)).toBe(want));
  test('zero step is an error', () => expect(() => isMultipleOf('1', '0')).toThrow(DecimalError));
});
