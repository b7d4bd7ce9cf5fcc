// Runs before `npm start` / `npm test` so that a fresh clone works with one command: installs the
// workspace (and with it Node 24) when node_modules is missing or older than package-lock.json.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const nodeBin = join(root, 'node_modules', '.bin', 'node');

const stale =
  !existsSync(marker) ||
  !existsSync(nodeBin) ||
  (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.error('[trading-system] installing dependencies (first run, about a minute)…');
  const cmd = existsSync(lock) ? 'ci' : 'install';
  const r = spawnSync('npm', [cmd, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(
      `[trading-system] npm ${cmd} failed (exit ${r.status}). Check your network access to the npm registry and run it again.`,
    );
    process.exit(r.status ?? 1);
  }
}
