import { addDecimal, compareDecimal, subDecimal } from '@trading-system/contracts';

/**
 * Volume arithmetic on decimal strings with an integer fast path: share and contract volumes are whole numbers
 * almost always, and plain numbers are exact up to 2^53. A fractional operand (crypto, fractional shares) switches
 * to the exact decimal helpers, so no volume is ever rounded through a float.
 */
const isWhole = (s: string): boolean => s.indexOf('.') < 0;

/** `a - b`, or undefined when b > a (cumulative volume went down: a new session or a reset). */
export function volumeDelta(a: string, b: string): string | undefined {
  if (isWhole(a) && isWhole(b)) {
    const d = Number(a) - Number(b);
    if (Number.isSafeInteger(d)) return d < 0 ? undefined : String(d);
  }
  return compareDecimal(a, b) < 0 ? undefined : subDecimal(a, b);
}

/** A running volume sum. */
export class VolumeSum {
  private whole = 0;
  private exact: string | undefined;

  add(v: string): void {
    if (this.exact === undefined && isWhole(v)) {
      const n = this.whole + Number(v);
      if (Number.isSafeInteger(n)) {
        this.whole = n;
        return;
      }
    }
    this.exact = addDecimal(this.exact ?? String(this.whole), v);
  }

  reset(): void {
    this.whole = 0;
    this.exact = undefined;
  }

  toString(): string {
    return this.exact ?? String(this.whole);
  }
}
