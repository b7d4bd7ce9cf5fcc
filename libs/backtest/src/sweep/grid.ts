/** Parameter grids: `fast=5..30:5` (a range with a step), `mode=a,b,c` (a list), `k=3` (one value). */
export class SweepSpecError extends Error {
  override readonly name = 'SweepSpecError';
}

export function parseSweepSpec(spec: string): [string, Array<number | string>] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new SweepSpecError(`sweep '${spec}' is not name=from..to:step or name=a,b,c`);
  const name = spec.slice(0, eq).trim();
  const body = spec.slice(eq + 1).trim();
  const range = /^(-?[\d.]+)\.\.(-?[\d.]+)(?::([\d.]+))?$/.exec(body);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    const step = range[3] === undefined ? 1 : Number(range[3]);
    if (!(step > 0) || !(to >= from)) throw new SweepSpecError(`sweep '${spec}': need from <= to and a step > 0`);
    const values: number[] = [];
    // Steps counted, not accumulated, so 0.1 steps do not drift.
    for (let k = 0; from + k * step <= to + 1e-9; k++) values.push(Number((from + k * step).toFixed(10)));
    if (values.length > 10_000) throw new SweepSpecError(`sweep '${spec}' has more than 10,000 values`);
    return [name, values];
  }
  const values = body
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.length === 0) throw new SweepSpecError(`sweep '${spec}' has no values`);
  return [name, values.map((v) => (v !== '' && Number.isFinite(Number(v)) ? Number(v) : v))];
}

/** Every combination, the first parameter varying slowest (a stable order: the rank's tie-breaker). */
export function expandGrid(specs: readonly string[]): Array<Record<string, number | string>> {
  let combos: Array<Record<string, number | string>> = [{}];
  for (const spec of specs) {
    const [name, values] = parseSweepSpec(spec);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  if (combos.length > 100_000)
    throw new SweepSpecError(`the sweep has ${combos.length} combinations (at most 100,000)`);
  return combos;
}
