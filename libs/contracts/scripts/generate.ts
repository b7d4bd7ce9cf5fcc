import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderDocs } from './render-docs.js';

/**
 * Writes docs/subjects.md and docs/schemas/*.json from the contracts.
 *   tsx libs/contracts/scripts/generate.ts           write (and delete schema files no message has any more)
 *   tsx libs/contracts/scripts/generate.ts --check   exit 1 naming every stale, missing or extra file
 *   --root <dir>                                     repository root to read/write (default: this checkout)
 */
const args = process.argv.slice(2);
const check = args.includes('--check');
const rootIdx = args.indexOf('--root');
const root = rootIdx >= 0 && args[rootIdx + 1] ? resolve(args[rootIdx + 1]!) : resolve(import.meta.dirname, '../../..');

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function existingSchemaFiles(): string[] {
  try {
    return readdirSync(join(root, 'docs/schemas'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => `docs/schemas/${f}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const files = renderDocs();
const extra = existingSchemaFiles().filter((f) => !files.has(f));
const stale = [...files].filter(([path, content]) => readOrUndefined(join(root, path)) !== content).map(([p]) => p);

if (check) {
  if (stale.length > 0 || extra.length > 0) {
    for (const p of stale) console.error(`stale or missing: ${p}`);
    for (const p of extra) console.error(`no longer generated: ${p}`);
    console.error('contracts docs are out of date: run `npm run contracts:gen` and commit the result');
    process.exit(1);
  }
  console.log(`contracts docs up to date (${files.size} files)`);
} else {
  for (const path of stale) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), files.get(path)!);
  }
  for (const path of extra) rmSync(join(root, path));
  console.log(`contracts docs: ${files.size} files, ${stale.length} written, ${extra.length} removed`);
}
