/** Deterministic hashing helpers for seeded, pure price paths. */

/** 32-bit FNV-1a of a string. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes integers into a 32-bit hash (murmur3 finaliser per step). Inputs may exceed 2^32 (they are split). */
export function mix(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    const lo = v >>> 0;
    const hi = Math.floor(v / 4294967296) >>> 0;
    for (const part of [lo, hi]) {
      let k = Math.imul(part, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1). */
export function unit(...values: number[]): number {
  return mix(...values) / 4294967296;
}

/** Uniform in [-1, 1). */
export function signedUnit(...values: number[]): number {
  return unit(...values) * 2 - 1;
}
