/**
 * IB stays in its gateway (issue 16): outside services/gateway-ib and services/ib-sim no package depends on
 * @stoqey/ib and no file imports it, and no source file names an IB type (an `Ib…` identifier). What may name one,
 * and why: the published `ib` connection and order-id schemas in libs/contracts (each broker type's schema is
 * published with the others, owned by its gateway) and the embedded system, the composition root that starts
 * ib-sim and gateway-ib. Tests may configure a gateway-ib connection (IbConnectionConfig) to run against ib-sim; they
 * may not speak IB themselves. bench/ is outside: its baseline is a bare @stoqey/ib client, the thing measured against.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const IB_HOMES = ['services/gateway-ib', 'services/ib-sim'];
/** Source files that may name IB types, with the reason above. */
const NAMES_IB = [
  'libs/contracts/src/brokers/ib.ts',
  'libs/contracts/src/brokers/index.ts',
  'libs/contracts/src/catalog.ts',
  'services/embedded/src/',
];

function files(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((entry) => {
    if (entry === 'node_modules' || entry.startsWith('.')) return [];
    const path = `${dir}/${entry}`;
    if (IB_HOMES.includes(path)) return [];
    if (statSync(join(ROOT, path)).isDirectory()) return files(path, keep);
    return keep(path) ? [path] : [];
  });
}

const AREAS = ['libs', 'services', 'apps', 'infra', 'examples'];
const sources = AREAS.flatMap((a) => files(a, (p) => /\.(ts|tsx|mts|js|mjs)$/.test(p)));

describe('no IB outside gateway-ib and ib-sim', () => {
  test('no package.json outside them depends on @stoqey/ib', () => {
    const manifests = ['package.json', ...AREAS.flatMap((a) => files(a, (p) => p.endsWith('/package.json')))];
    const offending = manifests.filter((m) => {
      const json = JSON.parse(readFileSync(join(ROOT, m), 'utf8')) as Record<string, Record<string, string>>;
      return ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].some(
        (k) => json[k]?.['@stoqey/ib'] !== undefined,
      );
    });
    expect(offending).toEqual([]);
  });

  test('no file outside them imports @stoqey/ib', () => {
    const imports = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]@stoqey\/ib['"/]/;
    expect(sources.filter((f) => imports.test(readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });

  test('no source file outside them names an IB type', () => {
    const offending = sources
      .filter((f) => /\/src\//.test(f) && !NAMES_IB.some((allowed) => f.startsWith(allowed)))
      .flatMap((f) =>
        [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\bIb[A-Z]\w*|\bIBApi\b/g)].map((m) => `${f}: ${m[0]}`),
      );
    expect(offending).toEqual([]);
  });
});
