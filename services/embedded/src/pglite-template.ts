/**
 * A new PGlite database costs an initdb: 8-12 s and ~1 GB RSS on our 2-core machine (PGlite runs initdb in a
 * second WASM instance next to the one that serves queries), then the services' migrations (~2 s of CPU). A cluster
 * right after both is the same every time, so it is made once per PGlite version and migration set (the template,
 * in node_modules/.cache) and copied: a new data directory starts from the copy in ~0.1 s, the process never holds
 * the second instance, and the services find their schemas up to date. Migrations added later simply run on the
 * copy (the key changes, so the next start makes a new template).
 *
 * - `memory://` (the SDK's and the CLI's default: nothing kept) becomes a private temporary directory copied from
 *   the template and deleted when the database closes; directories of processes that died are swept at the next
 *   start.
 * - A data directory that does not exist yet (or is empty) is filled from the template; an existing cluster is
 *   opened as it is.
 * - Anything else (`idb://`, ...) and any failure to make or copy the template falls back to PGlite's own
 *   initdb: slower, never wrong.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@trading-system/runtime';
import { createDatabase, type Kysely } from '@trading-system/storage';

const TEMP_PREFIX = 'trading-system-pglite-';

export interface PreparedDataDir {
  /** What to give PGlite: a directory, or the requested value unchanged. */
  readonly dataDir: string;
  /** True when the cluster was copied from the template (no initdb). */
  readonly fromTemplate: boolean;
  /** Removes the temporary directory of `memory://` (after the database is closed); otherwise nothing. */
  release(): Promise<void>;
}

export interface TemplateOptions {
  readonly log: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Names what `fill` puts into the template (with PGlite's version: the template's identity). */
  readonly key: string;
  /** Run once on a new template after initdb (the services' migrations). */
  readonly fill: (db: Kysely<unknown>) => Promise<void>;
  /** Where templates live (default: node_modules/.cache/trading-system next to PGlite, else the temp dir). */
  readonly cacheDir?: string;
  /** Parent of the temporary directories of `memory://` (default: the OS temp dir). */
  readonly tempDir?: string;
}

const keep = (dataDir: string): PreparedDataDir => ({
  dataDir,
  fromTemplate: false,
  release: async () => undefined,
});

export async function preparePgliteDataDir(requested: string, options: TemplateOptions): Promise<PreparedDataDir> {
  const memory = requested.startsWith('memory://');
  if (!memory && requested.includes('://')) return keep(requested);
  if (!memory && hasCluster(requested)) return keep(requested);
  if (!memory && existsSync(requested) && readdirSync(requested).length > 0) return keep(requested);
  let template: string;
  try {
    template = await ensureTemplate(options);
  } catch (err) {
    options.log.warn({ err }, 'no PGlite template (initdb runs instead, ~10 s)');
    return keep(requested);
  }
  if (!memory) {
    const target = resolve(requested);
    await mkdir(dirname(target), { recursive: true });
    copyTemplate(template, target);
    return { dataDir: target, fromTemplate: true, release: async () => undefined };
  }
  const parent = options.tempDir ?? tmpdir();
  await sweepDeadTempDirs(parent, options.log);
  const dir = join(parent, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    copyTemplate(template, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    options.log.warn({ err }, 'copying the PGlite template failed (initdb runs instead, ~10 s)');
    return keep(requested);
  }
  return {
    dataDir: dir,
    fromTemplate: true,
    release: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Synchronous on purpose: the template is ~1,100 files (40 MB), and fs.promises.cp walks them with a promise per
 * step — 340-500 ms of every embedded start (each CLI command without NATS_URL, each SDK open) against 47-53 ms for
 * cpSync, measured on our 2-core machine (Node 24). Nothing else runs yet while the database is being prepared.
 */
function copyTemplate(template: string, to: string): void {
  cpSync(template, to, { recursive: true });
}

function hasCluster(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** The template directory for this PGlite version and key, made now (one initdb, then `fill`) when missing. */
async function ensureTemplate(options: TemplateOptions): Promise<string> {
  const { version, cacheDir } = pgliteLocation();
  const base = options.cacheDir ?? cacheDir;
  const hash = createHash('sha256').update(options.key).digest('hex').slice(0, 16);
  const template = join(base, `pglite-${version}-${hash}`);
  if (hasCluster(template)) return template;
  await mkdir(base, { recursive: true });
  // Made aside and renamed into place: a process that reads the template never sees half of one, and of two
  // processes making it at once the second one's rename fails and its copy is dropped.
  const building = join(base, `.building-${process.pid}-${randomBytes(4).toString('hex')}`);
  options.log.info({ template }, 'making the PGlite template (one initdb, about 10 s; later starts copy it)');
  try {
    const db = await createDatabase<unknown>({ kind: 'pglite', dataDir: building });
    try {
      await options.fill(db.db);
    } finally {
      await db.close();
    }
    await rename(building, template);
  } catch (err) {
    await rm(building, { recursive: true, force: true });
    if (hasCluster(template)) return template;
    throw err;
  }
  await dropOlderTemplates(base, template, options.log);
  return template;
}

/** Keeps the newest templates (another branch's migrations may come back) and removes the rest. */
async function dropOlderTemplates(base: string, current: string, log: Pick<Logger, 'debug'>): Promise<void> {
  const KEEP = 3;
  const entries = await readdir(base, { withFileTypes: true });
  const others = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && e.name.startsWith('pglite-') && join(base, e.name) !== current)
      .map(async (e) => ({ dir: join(base, e.name), mtimeMs: (await stat(join(base, e.name))).mtimeMs })),
  );
  others.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const old of others.slice(KEEP - 1)) {
    log.debug({ dir: old.dir }, 'removing an older PGlite template');
    await rm(old.dir, { recursive: true, force: true });
  }
}

/** PGlite's version (the template key) and node_modules/.cache of the tree it is installed in. */
function pgliteLocation(): { version: string; cacheDir: string } {
  const fromStorage = createRequire(fileURLToPath(import.meta.resolve('@trading-system/storage')));
  const wasm = fromStorage.resolve('@electric-sql/pglite/pglite.wasm');
  const pkgDir = dirname(dirname(wasm));
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const at = pkgDir.lastIndexOf(`${sep}node_modules${sep}`);
  const cacheDir =
    at >= 0
      ? join(pkgDir.slice(0, at), 'node_modules', '.cache', 'trading-system')
      : join(tmpdir(), 'trading-system-cache');
  return { version, cacheDir };
}

/** Removes temporary clusters whose process is gone (killed before it could delete its own). */
async function sweepDeadTempDirs(parent: string, log: Pick<Logger, 'debug'>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return; // an unreadable temp dir only means nothing can be swept
  }
  for (const name of names) {
    const pid = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    log.debug({ dir: name }, 'removing the temporary PGlite cluster of a process that is gone');
    await rm(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
