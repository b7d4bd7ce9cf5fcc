/**
 * Layers point one way: a lib (libs/*) never depends on a service (services/*) or an app (apps/*) — not in its
 * package.json and not in an import of its source. The one sanctioned way up is a port: the SDK names what it needs
 * of an in-process system (libs/sdk in-process.ts) and loads the embedded system's package at run time by name, an
 * optional peer, so it never compiles against a service.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function packagesIn(dir: string): Array<{ dir: string; name: string; json: Record<string, unknown> }> {
  return readdirSync(join(ROOT, dir)).flatMap((entry) => {
    const file = join(ROOT, dir, entry, 'package.json');
    try {
      const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      return [{ dir: join(dir, entry), name: String(json.name), json }];
    } catch {
      return [];
    }
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const libs = packagesIn('libs');
const upper = new Set([...packagesIn('services'), ...packagesIn('apps')].map((p) => p.name));

describe('no lib depends on a service or an app', () => {
  test.each(libs.map((l) => [l.name, l] as const))('%s: package.json', (_, lib) => {
    const deps = {
      ...(lib.json.dependencies as Record<string, string> | undefined),
      ...(lib.json.devDependencies as Record<string, string> | undefined),
    };
    expect(Object.keys(deps).filter((d) => upper.has(d))).toEqual([]);
    // A peer is allowed only as an optional one (loaded through a port at run time, never compiled against).
    const meta = (lib.json.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
    const peers = Object.keys((lib.json.peerDependencies ?? {}) as Record<string, string>).filter((d) => upper.has(d));
    expect(peers.filter((d) => meta[d]?.optional !== true)).toEqual([]);
  });

  test.each(libs.map((l) => [l.name, l] as const))('%s: source imports', (_, lib) => {
    const offending: string[] = [];
    for (const file of sourceFiles(join(ROOT, lib.dir, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](@trading-system\/[^'"/]+)/g)) {
        if (m[1] !== undefined && upper.has(m[1])) offending.push(`${file.slice(ROOT.length + 1)}: ${m[1]}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
