/**
 * Nearest price on the tick grid, printed with the tick's decimals so no binary residue reaches an order
 * (`roundToTick(1.23456, 0.0001)` is `1.2346`). Shared by every mode's `ctx.roundToTick`.
 */
export function roundToTick(price: number, tick: number): number {
  const text = String(tick);
  const decimals = text.includes('e-') ? Number(text.split('e-')[1]) : (text.split('.')[1]?.length ?? 0);
  return Number((Math.round(price / tick) * tick).toFixed(decimals));
}
