/**
 * Exact decimal text for the wire. The exchange core keeps money in integer micros (bigint) and prices and
 * quantities as doubles taken from decimal strings; here they become decimal strings again without a float
 * multiplication: micros are printed digit by digit, doubles only through their shortest round-trip form.
 */

/** `-1234.5` from -1234500000n micros: every digit kept, trailing zeros dropped. */
export function microsToDecimal(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const whole = abs / 1_000_000n;
  const frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return frac === '' ? `${sign}${whole}` : `${sign}${whole}.${frac}`;
}

/**
 * A double from the core as decimal text. Prices and quantities that came in as decimal strings print as they came
 * (the shortest round-trip form of a double); a derived value (an average) is rounded to 10 decimals.
 */
export function numberToDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const s = String(n);
  if (!/e/i.test(s) && (s.split('.')[1]?.length ?? 0) <= 10) return s === '-0' ? '0' : s;
  const fixed = n.toFixed(10).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/** The exact quotient micros / (qty × multiplier) rounded half away from zero to 6 decimals, as text. */
export function averagePrice(micros: bigint, qty: number, multiplier: number): string {
  const d = BigInt(qty) * BigInt(multiplier);
  if (d === 0n) return '0';
  const negative = micros < 0n !== d < 0n;
  const n = micros < 0n ? -micros : micros;
  const a = d < 0n ? -d : d;
  const q = (n * 2n + a) / (2n * a);
  return microsToDecimal(negative ? -q : q);
}
