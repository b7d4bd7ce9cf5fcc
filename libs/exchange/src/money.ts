/**
 * Money arithmetic in integer micro-units (1e-6 of a currency unit) held as bigint, so cash, cost bases and
 * realised PnL add up exactly however many fills there are. Prices come in as doubles from the quote source;
 * they are converted once (`toMicros`) and never multiplied as floats.
 */

export const MICROS_PER_UNIT = 1_000_000n;
const CENT = 10_000n;

export function toMicros(amount: number): bigint {
  if (!Number.isFinite(amount)) throw new RangeError(`not a finite amount: ${amount}`);
  return BigInt(Math.round(amount * 1_000_000));
}

export function microsToNumber(micros: bigint): number {
  return Number(micros) / 1_000_000;
}

/** qty × price × multiplier in micros; qty and multiplier must be whole numbers. */
export function notionalMicros(qty: number, price: number, multiplier: number): bigint {
  return BigInt(qty) * toMicros(price) * BigInt(multiplier);
}

/** Rounds half away from zero to a whole cent. */
export function roundToCent(micros: bigint): bigint {
  const sign = micros < 0n ? -1n : 1n;
  const abs = micros * sign;
  return ((abs + CENT / 2n) / CENT) * CENT * sign;
}

/** Division rounding half away from zero. */
export function divRound(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const sign = numerator < 0n !== denominator < 0n ? -1n : 1n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  return ((n * 2n + d) / (2n * d)) * sign;
}

/** `1234.56`-style text with a fixed number of decimals (TWS account values use 2). */
export function formatMicros(micros: bigint, decimals = 2): string {
  const scale = 10n ** BigInt(6 - decimals);
  const rounded = divRound(micros, scale);
  const sign = rounded < 0n ? '-' : '';
  const abs = rounded < 0n ? -rounded : rounded;
  if (decimals === 0) return `${sign}${abs}`;
  const unit = 10n ** BigInt(decimals);
  return `${sign}${abs / unit}.${(abs % unit).toString().padStart(decimals, '0')}`;
}
