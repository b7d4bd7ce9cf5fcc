/** Latency samples in ms (fractional allowed) and the percentiles the reports use. */
export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles of `samples` (sorted copy); NaN everywhere when there are none. */
export function percentiles(samples: readonly number[]): Percentiles {
  const n = samples.length;
  if (n === 0) return { n, p50: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const s = Float64Array.from(samples).sort();
  const at = (q: number): number => s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN;
  let sum = 0;
  for (const x of s) sum += x;
  return { n, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: s[n - 1] ?? Number.NaN, mean: sum / n };
}

/** Keeps at most `capacity` samples (reservoir sampling), so a long run costs bounded memory. */
export class Reservoir {
  private readonly values: number[] = [];
  private seen = 0;
  constructor(private readonly capacity = 200_000) {}

  add(x: number): void {
    this.seen++;
    if (this.values.length < this.capacity) this.values.push(x);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.capacity) this.values[j] = x;
    }
  }

  get count(): number {
    return this.seen;
  }

  summary(): Percentiles {
    return percentiles(this.values);
  }
}

export const round = (x: number, digits = 2): number => {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const fmtInt = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
export const fmtMs = (x: number): string => (Number.isFinite(x) ? `${round(x, 2)} ms` : 'n/a');
