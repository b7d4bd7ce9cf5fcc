/**
 * IB numbers → contract decimal strings. IB uses doubles on the wire and sentinels for "no value"
 * (-1 for prices/sizes without a quote, Number.MAX_VALUE / 1.7976931348623157e308 for unset doubles).
 */
const MAX_FRACTION = 12;
/** Doubles at or above this are IB's "unset" sentinel (UNSET_DOUBLE = Double.MAX_VALUE). */
const UNSET_THRESHOLD = 1e300;

/** A finite double as a decimal string (≤ 12 fraction digits, no exponent, no "-0"); undefined for sentinels. */
export function toDecimalString(x: number | undefined): string | undefined {
  if (x === undefined || !Number.isFinite(x) || Math.abs(x) >= UNSET_THRESHOLD) return undefined;
  let s = String(x);
  if (s.includes('e') || fractionDigits(s) > MAX_FRACTION) {
    s = x.toFixed(MAX_FRACTION);
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s === '-0' ? '0' : s;
}

function fractionDigits(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** A price: IB sends -1 (and 0 for some ticks) when there is no quote; only -1 is a sentinel, 0 can be real. */
export function priceOrUndefined(x: number | undefined): string | undefined {
  if (x === undefined || x === -1) return undefined;
  return toDecimalString(x);
}

/** A size or volume: negative means unknown. */
export function sizeOrUndefined(x: number | undefined): string | undefined {
  if (x === undefined || x < 0) return undefined;
  return toDecimalString(x);
}
