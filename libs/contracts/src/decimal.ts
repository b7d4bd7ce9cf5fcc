import { z } from 'zod';
import { ContractError } from './errors.js';

/**
 * Prices, quantities, money: decimal strings on the wire, never JSON numbers, so no value is ever rounded through a
 * binary float between processes (IB sends doubles; gateway-ib converts them once, at the edge).
 *
 * Accepted form: optional `-` (signed variants only), an integer part without leading zeros, optionally `.` and
 * 1..12 fractional digits. Trailing fractional zeros are allowed (`1.50`); `normalizeDecimal` strips them.
 * Refused: empty, whitespace, a leading `+`, exponent notation (`1e5`), `NaN`, `Infinity`, `.5`, `5.`, `007`,
 * more than 32 characters, more than 12 fractional digits.
 */
export const MAX_DECIMAL_LENGTH = 32;
export const MAX_FRACTION_DIGITS = 12;

/** JSON Schema / other-language view of the unsigned form (the zod schemas give clearer messages). */
export const UNSIGNED_DECIMAL_PATTERN = '^(0|[1-9][0-9]*)(\\.[0-9]{1,12})?$';
export const SIGNED_DECIMAL_PATTERN = '^-?(0|[1-9][0-9]*)(\\.[0-9]{1,12})?$';
const SIGNED_RE = new RegExp(SIGNED_DECIMAL_PATTERN);

/** Thrown by the decimal helpers on a malformed operand (code VALIDATION_FAILED). */
export class DecimalError extends ContractError {
  override readonly name = 'DecimalError';
  constructor(
    message: string,
    readonly input: string,
  ) {
    super('VALIDATION_FAILED', message, { details: { input } });
  }
}

/** Why `s` is not an acceptable decimal string, or undefined when it is. `signed` allows a leading `-`. */
export function decimalProblem(s: string, signed: boolean): string | undefined {
  if (s.length === 0) return 'decimal must not be empty';
  if (s.length > MAX_DECIMAL_LENGTH) return `decimal longer than ${MAX_DECIMAL_LENGTH} characters`;
  if (/\s/.test(s)) return 'decimal must not contain whitespace';
  if (/nan|inf/i.test(s)) return 'NaN and Infinity are not decimals';
  if (s.startsWith('+')) return "decimal must not start with '+'";
  if (/e/i.test(s)) return 'exponent notation (e.g. 1e5) is not allowed; write the digits out';
  if (!signed && s.startsWith('-')) return 'decimal must not be negative';
  if (!SIGNED_RE.test(s)) {
    const frac = /\.(\d+)$/.exec(s)?.[1];
    if (frac !== undefined && frac.length > MAX_FRACTION_DIGITS && /^-?(0|[1-9]\d*)\.\d+$/.test(s)) {
      return `decimal has more than ${MAX_FRACTION_DIGITS} fractional digits`;
    }
    return `'${s}' is not a plain decimal (digits, optional '-', optional '.' with 1..${MAX_FRACTION_DIGITS} digits, no leading zeros)`;
  }
  return undefined;
}

/**
 * Most significant digits of a value that goes to a broker. IB's API (and @stoqey/ib, TWS itself) carries
 * quantities and prices as IEEE doubles; a double holds any decimal of at most 15 significant digits exactly
 * (it round-trips), and no more: `9007199254740993` becomes …992, `1000000000000000000000` is written `1e+21`.
 * So an order's quantity and prices are refused beyond 15 significant digits at the boundary (VALIDATION_FAILED)
 * instead of being changed on their way to the broker. Well above any real order: 999,999,999,999,999 shares,
 * or 0.000000001 with 12 fractional digits.
 */
export const MAX_SIGNIFICANT_DIGITS = 15;

/**
 * Digits of a valid decimal string from its first non-zero digit to its last digit, trailing fractional zeros
 * dropped (`'0.00120'` → 2, `'187.25'` → 5), an integer's trailing zeros kept (`'1500'` → 4,
 * `'1000000000000000000000'` → 22: as a double it is written `1e+21`).
 */
export function significantDigits(s: string): number {
  return normalizeDecimal(s).replace('-', '').replace('.', '').replace(/^0+/, '').length;
}

function decimalSchema(signed: boolean, positive: boolean, description: string, maxDigits?: number) {
  return z
    .string()
    .check((ctx) => {
      const problem = decimalProblem(ctx.value, signed);
      if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
      else if (positive && compareDecimal(ctx.value, '0') <= 0)
        ctx.issues.push({ code: 'custom', message: 'decimal must be greater than 0', input: ctx.value });
      else if (maxDigits !== undefined && significantDigits(ctx.value) > maxDigits)
        ctx.issues.push({
          code: 'custom',
          message: `more than ${maxDigits} significant digits: a broker carries it as a double and would change it`,
          input: ctx.value,
        });
    })
    .meta({
      description,
      pattern: signed ? SIGNED_DECIMAL_PATTERN : UNSIGNED_DECIMAL_PATTERN,
      maxLength: MAX_DECIMAL_LENGTH,
    });
}

/** Non-negative decimal string (sizes, volumes, tick sizes, cumulative quantities). */
export const Decimal = decimalSchema(false, false, 'Non-negative decimal string, e.g. "100" or "0.25"');
export type Decimal = z.infer<typeof Decimal>;
/** Strictly positive decimal string (order quantities, tick sizes, multipliers). */
export const PositiveDecimal = decimalSchema(false, true, 'Decimal string greater than 0, e.g. "100"');
export type PositiveDecimal = z.infer<typeof PositiveDecimal>;
/** Signed decimal string (PnL, positions: negative = short, cash balances). */
export const SignedDecimal = decimalSchema(true, false, 'Signed decimal string, e.g. "-12.5"');
export type SignedDecimal = z.infer<typeof SignedDecimal>;
/**
 * A price. Signed on purpose: futures and spreads can trade below zero (WTI, April 2020). Whether an order's price
 * must be positive is a risk rule of the OMS, not a wire rule.
 */
export const Price = decimalSchema(true, false, 'Price as a decimal string, e.g. "187.25" (may be negative)');
export type Price = z.infer<typeof Price>;
/** A quantity of an order or fill: strictly positive; the side says the direction. */
export const Quantity = PositiveDecimal;
export type Quantity = PositiveDecimal;
/**
 * The quantity of an order a client sends (orders.submit / modify, broker placeOrder / modifyOrder): a Quantity
 * of at most MAX_SIGNIFICANT_DIGITS digits, so the broker receives exactly it.
 */
export const OrderQuantity = decimalSchema(
  false,
  true,
  'Order quantity: decimal string > 0 with at most 15 significant digits, e.g. "100"',
  MAX_SIGNIFICANT_DIGITS,
);
/** A positive decimal a request passes on to a broker (a contract multiplier): at most 15 significant digits. */
export const BrokerPositiveDecimal = decimalSchema(
  false,
  true,
  'Decimal string > 0 with at most 15 significant digits, e.g. "50"',
  MAX_SIGNIFICANT_DIGITS,
);
/** A limit or stop price a client sends: a Price of at most MAX_SIGNIFICANT_DIGITS digits (exact at the broker). */
export const OrderPrice = decimalSchema(
  true,
  false,
  'Order price: decimal string with at most 15 significant digits, e.g. "187.25"',
  MAX_SIGNIFICANT_DIGITS,
);

/** A decimal as an exact scaled integer: value = units / 10^scale. */
interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

function toScaled(s: string): Scaled {
  const problem = decimalProblem(s, true);
  if (problem !== undefined) throw new DecimalError(problem, s);
  const negative = s.startsWith('-');
  const body = negative ? s.slice(1) : s;
  const [int = '0', frac = ''] = body.split('.');
  const units = BigInt(int + frac);
  return { units: negative ? -units : units, scale: frac.length };
}

function rescale(a: Scaled, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

function fromScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    const int = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
    digits = frac.length > 0 ? `${int}.${frac}` : int;
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** Canonical form: no trailing fractional zeros, `-0` → `0`. `normalizeDecimal('1.500')` → `'1.5'`. */
export function normalizeDecimal(a: string): string {
  const x = toScaled(a);
  return fromScaled(x.units, x.scale);
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`; exact (`'1.10'` equals `'1.1'`). */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function decimalEquals(a: string, b: string): boolean {
  return compareDecimal(a, b) === 0;
}

/** Exact sum, normalised. `addDecimal('0.1', '0.2')` → `'0.3'`. */
export function addDecimal(a: string, b: string): string {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  return fromScaled(rescale(x, scale) + rescale(y, scale), scale);
}

/** Exact difference `a - b`, normalised. */
export function subDecimal(a: string, b: string): string {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  return fromScaled(rescale(x, scale) - rescale(y, scale), scale);
}

/**
 * Exact product (e.g. price × quantity × multiplier for notional). The result may carry up to 24 fractional digits
 * before normalisation; it is not re-validated against MAX_FRACTION_DIGITS, use `roundDecimal` to store it.
 */
export function mulDecimal(a: string, b: string): string {
  const x = toScaled(a);
  const y = toScaled(b);
  return fromScaled(x.units * y.units, x.scale + y.scale);
}

/** Rounds half away from zero to `digits` fractional digits (commission, average price). */
export function roundDecimal(a: string, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0) throw new DecimalError('digits must be a non-negative integer', a);
  const x = toScaled(a);
  if (x.scale <= digits) return fromScaled(x.units, x.scale);
  const div = 10n ** BigInt(x.scale - digits);
  const abs = x.units < 0n ? -x.units : x.units;
  let q = abs / div;
  if ((abs % div) * 2n >= div) q += 1n;
  return fromScaled(x.units < 0n ? -q : q, digits);
}

/**
 * Exact quotient rounded half away from zero to `digits` fractional digits (average fill price = notional / qty).
 * Throws on division by zero.
 */
export function divDecimal(a: string, b: string, digits: number = MAX_FRACTION_DIGITS): string {
  const x = toScaled(a);
  const y = toScaled(b);
  if (y.units === 0n) throw new DecimalError('division by zero', b);
  // a/b = (xu / 10^xs) / (yu / 10^ys); scale the numerator so the integer quotient has digits+1 fractional digits.
  const shift = digits + 1 + y.scale - x.scale;
  let num = x.units;
  let den = y.units;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const negative = num < 0n !== den < 0n;
  const absQ = (num < 0n ? -num : num) / (den < 0n ? -den : den);
  const rounded = (absQ + 5n) / 10n;
  return fromScaled(negative ? -rounded : rounded, digits);
}

/** Negation (`'1.5'` → `'-1.5'`), for turning a SELL quantity into a signed position delta. */
export function negateDecimal(a: string): string {
  const x = toScaled(a);
  return fromScaled(-x.units, x.scale);
}

/** True when `value` is an exact whole multiple of `step` (price on the tick grid, quantity in lot size). */
export function isMultipleOf(value: string, step: string): boolean {
  const x = toScaled(value);
  const y = toScaled(step);
  if (y.units === 0n) throw new DecimalError('step must not be zero', step);
  const scale = Math.max(x.scale, y.scale);
  return rescale(x, scale) % rescale(y, scale) === 0n;
}

/** True for a string the signed schema accepts; never throws. */
export function isDecimalString(s: string, signed = true): boolean {
  return decimalProblem(s, signed) === undefined;
}
