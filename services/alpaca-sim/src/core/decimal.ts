/**
 * Decimal text as Alpaca writes it: quantities and prices as strings with no trailing zeros ("100", "0.5",
 * "189.23"), money from bigint micros. Parsing accepts a JSON number or a decimal string, as Alpaca does.
 */
import { QTY_DECIMALS, QTY_SCALE } from '../market/assets.js';

export function trimZeros(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/** A double to decimal text with at most `decimals` places. */
export function decimalText(value: number, decimals: number): string {
  return trimZeros(value.toFixed(decimals));
}

/** Micros (1e-6) to decimal text: exact, no float on the way. */
export function microsText(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / 1_000_000n;
  const frac = (abs % 1_000_000n).toString().padStart(6, '0');
  return trimZeros(`${negative ? '-' : ''}${whole}.${frac}`);
}

/** Core quantity units (1/QTY_SCALE of a share or coin) to text. */
export function unitsText(units: number): string {
  const negative = units < 0;
  const abs = Math.abs(units);
  const whole = Math.floor(abs / QTY_SCALE);
  const frac = String(abs % QTY_SCALE).padStart(QTY_DECIMALS, '0');
  return trimZeros(`${negative ? '-' : ''}${whole}.${frac}`);
}

export class DecimalFormatError extends Error {
  override readonly name = 'DecimalFormatError';
}

/** A positive-or-zero decimal (JSON number or string) to a number; throws on anything else. */
export function parseDecimal(value: unknown, field: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) throw new DecimalFormatError(`invalid ${field}`);
  return Number(text);
}

/** Decimal quantity to core units; undefined when it has more than QTY_DECIMALS places. */
export function toUnits(qty: number): number | undefined {
  const units = Math.round(qty * QTY_SCALE);
  return Math.abs(units - qty * QTY_SCALE) < 1e-6 ? units : undefined;
}
