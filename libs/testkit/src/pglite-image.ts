/**
 * The fresh PGlite cluster every in-memory test database starts from (`createDatabase({ kind: 'pglite', image })`)
 * instead of running initdb: ~4 s of CPU on a quiet 2-core box, 8-11 s while other test files run. A fresh cluster
 * is the same every time for one PGlite version, so it is made once and kept on disk next to PGlite
 * (node_modules/.cache/trading-system): the test processes of a run share one initdb instead of paying one each.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pgliteClusterImage } from '@trading-system/storage';
import { REPO_ROOT } from './processes.js';

let clusterImage: Promise<Blob> | undefined;

/** The process's fresh PGlite cluster image (read from the cache, or made and cached). */
export function pgliteTestImage(): Promise<Blob> {
  clusterImage ??= cachedClusterImage().catch((err: unknown) => {
    clusterImage = undefined; // the next database tries again rather than inheriting this failure
    throw err;
  });
  return clusterImage;
}

async function cachedClusterImage(): Promise<Blob> {
  const file = join(REPO_ROOT, 'node_modules', '.cache', 'trading-system', `pglite-cluster-${pgliteVersion()}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const image = await pgliteClusterImage();
  // Written aside and renamed into place: a process reading the cache never sees half an image, and of two
  // processes making it at once the later rename simply replaces an identical file.
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(partial, new Uint8Array(await image.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  return image;
}

/** The installed PGlite's version: a cluster image belongs to the PGlite that made it. */
function pgliteVersion(): string {
  // PGlite is storage's dependency, so it is resolved from there.
  const storage = createRequire(import.meta.url).resolve('@trading-system/storage');
  const wasm = createRequire(storage).resolve('@electric-sql/pglite/pglite.wasm');
  const pkgDir = dirname(dirname(wasm));
  return (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
}
