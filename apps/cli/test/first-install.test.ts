/**
 * The first `npm start` / `npm run cli` on a fresh clone (scripts/ensure-install.mjs) on a machine whose Node is
 * older than 22: the project's own explanation comes first, and npm's EBADENGINE warnings (a five-line block per
 * package wanting Node >= 22) are said once, in words. Run on a copy of the manifests with npm's dry run, so
 * nothing is downloaded; npm runs on the machine's own Node (the README's "Node >= 20").
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { root } from './run-cli.js';

const copy = mkdtempSync(join(tmpdir(), 'first-install-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** PATH without the project's node_modules/.bin: what a fresh clone's shell has. */
const shellPath = (process.env.PATH ?? '')
  .split(':')
  .filter((d) => !d.includes('node_modules'))
  .join(':');

test('first install: our explanation first, no EBADENGINE block, one line naming the packages', async () => {
  for (const f of ['package.json', 'package-lock.json', '.npmrc']) cpSync(join(root, f), join(copy, f));
  cpSync(join(root, 'scripts'), join(copy, 'scripts'), { recursive: true });
  for (const group of ['libs', 'services', 'apps'])
    for (const name of readdirSync(join(root, group))) {
      mkdirSync(join(copy, group, name), { recursive: true });
      cpSync(join(root, group, name, 'package.json'), join(copy, group, name, 'package.json'));
    }
  const shellNode = execFileSync('sh', ['-c', 'command -v node'], { env: { PATH: shellPath } })
    .toString()
    .trim();
  const version = execFileSync(shellNode, ['--version']).toString().trim();
  const old = Number(version.slice(1).split('.')[0]) < 22;
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      shellNode,
      ['scripts/ensure-install.mjs'],
      {
        cwd: copy,
        env: { PATH: shellPath, HOME: process.env.HOME ?? copy, npm_config_dry_run: 'true' },
        timeout: 60_000,
      },
      (err, _stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code ?? 1), stderr }),
    );
  });
  expect(code, stderr).toBe(0);
  expect(stderr).not.toMatch(/EBADENGINE/);
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines[0]).toMatch(/^\[trading-system\] installing dependencies/);
  if (old) {
    // On this machine's Node (< 22) npm objects to six packages: said once, after our explanation.
    expect(lines[1]).toMatch(
      new RegExp(`^\\[trading-system\\] Node ${version.slice(1)} found; the project installs Node 24`),
    );
    expect(stderr).toMatch(/npm noted that \d+ packages \(.*@nats-io\/nuid@.*\) want Node >= 22: expected/);
    expect(stderr.match(/Node 24 into node_modules/g)).toHaveLength(1);
  }
}, 90_000);
