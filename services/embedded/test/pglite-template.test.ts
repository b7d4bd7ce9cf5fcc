/**
 * The PGlite template: made once (initdb + fill), then copied for every new database; `memory://` becomes a private
 * temporary copy removed at release, and copies left by processes that died are swept.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Kysely, sql } from '@trading-system/storage';
import { afterAll, expect, test } from 'vitest';
import { preparePgliteDataDir } from '../src/pglite-template.js';

const root = mkdtempSync(join(tmpdir(), 'pglite-template-test-'));
const cacheDir = join(root, 'cache');
const tempDir = join(root, 'tmp');
mkdirSync(tempDir);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined };
let fills = 0;
const options = (key = 'v1') => ({
  log: silent,
  key,
  cacheDir,
  tempDir,
  fill: async (db: Kysely<unknown>) => {
    fills += 1;
    await sql`create table made_by_fill (key text)`.execute(db);
    await sql`insert into made_by_fill values (${key})`.execute(db);
  },
});

async function readFill(dataDir: string): Promise<string[]> {
  const db = await createDatabase<unknown>({ kind: 'pglite', dataDir });
  try {
    const r = await sql<{ key: string }>`select key from made_by_fill`.execute(db.db);
    return r.rows.map((row) => row.key);
  } finally {
    await db.close();
  }
}

test('memory:// is a temporary copy of the filled template, removed at release; the template is made once', async () => {
  const a = await preparePgliteDataDir('memory://', options());
  const b = await preparePgliteDataDir('memory://', options());
  expect(fills).toBe(1);
  expect(a.fromTemplate).toBe(true);
  expect(a.dataDir).not.toBe(b.dataDir);
  expect(a.dataDir.startsWith(tempDir)).toBe(true);
  expect(await readFill(a.dataDir)).toEqual(['v1']);
  await a.release();
  await b.release();
  expect(existsSync(a.dataDir)).toBe(false);
  expect(readdirSync(tempDir)).toEqual([]);
}, 120_000);

test('a new data directory is filled from the template and then kept; an existing cluster is opened as it is', async () => {
  const dir = join(root, 'data', 'pglite');
  const first = await preparePgliteDataDir(dir, options());
  expect(first).toMatchObject({ dataDir: dir, fromTemplate: true });
  const db = await createDatabase<unknown>({ kind: 'pglite', dataDir: dir });
  await sql`insert into made_by_fill values ('mine')`.execute(db.db);
  await db.close();
  await first.release();
  const again = await preparePgliteDataDir(dir, options());
  expect(again.fromTemplate).toBe(false);
  expect(await readFill(dir)).toEqual(['v1', 'mine']);
  expect(fills).toBe(1);
}, 120_000);

test('another key (a migration added or changed) makes another template', async () => {
  const c = await preparePgliteDataDir('memory://', options('v2'));
  try {
    expect(fills).toBe(2);
    expect(await readFill(c.dataDir)).toEqual(['v2']);
  } finally {
    await c.release();
  }
}, 120_000);

test('temporary copies of processes that are gone are swept; a live process keeps its copy', async () => {
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  const dead = join(tempDir, `trading-system-pglite-${gone}-deadbeef`);
  const alive = join(tempDir, `trading-system-pglite-${process.ppid}-cafebabe`);
  for (const d of [dead, alive]) {
    mkdirSync(d);
    writeFileSync(join(d, 'PG_VERSION'), '17\n');
  }
  const c = await preparePgliteDataDir('memory://', options());
  await c.release();
  expect(existsSync(dead)).toBe(false);
  expect(existsSync(alive)).toBe(true);
});
