/** Deterministic integer hashing: the price paths are pure functions of (seed, asset, time). */

function mix(h: number): number {
  let x = h | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Uniform in [0, 1) from any number of integer keys (non-integers are floored). */
export function unit(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    const v = Math.floor(k);
    h = mix(h ^ (v | 0));
    h = mix(h ^ Math.floor(v / 4_294_967_296));
  }
  return h / 4_294_967_296;
}

export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A UUID-shaped id that is the same on every run for the same name (asset ids, the account id). */
export function stableUuid(name: string): string {
  const words = [0, 1, 2, 3].map((i) => hashString(`${i}:${name}`).toString(16).padStart(8, '0'));
  const hex = words.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
