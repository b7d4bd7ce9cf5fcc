// Runs before `npm start` / `npm test` so that a fresh clone works with one command: installs the
// workspace (and with it Node 24) when node_modules is missing or older than package-lock.json.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineWarningFilter } from './engine-warnings.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const nodeBin = join(root, 'node_modules', '.bin', 'node');

const stale =
  !existsSync(marker) ||
  !existsSync(nodeBin) ||
  (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  const major = Number(process.versions.node.split('.')[0]);
  console.error('[trading-system] installing dependencies (first run, about a minute)…');
  // Said first, before npm speaks: an older Node is fine, the install brings Node 24.
  if (major < 22)
    console.error(
      `[trading-system] Node ${process.versions.node} found; the project installs Node 24 into node_modules/.bin ` +
        'and every npm script runs on it. Nothing to do on your side.',
    );
  const cmd = existsSync(lock) ? 'ci' : 'install';
  const filter = engineWarningFilter((text) => process.stderr.write(text));
  const child = spawn('npm', [cmd, '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, TRADING_SYSTEM_INSTALL_EXPLAINED: '1' },
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => filter.push(text));
  const status = await new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`[trading-system] cannot run npm: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  const packages = filter.end();
  if (packages.length > 0)
    console.error(
      `[trading-system] npm noted that ${packages.length} packages (${packages.join(', ')}) want Node >= 22: ` +
        'expected, they run on the project’s Node 24.',
    );
  if (status !== 0) {
    console.error(
      `[trading-system] npm ${cmd} failed (exit ${status}). Check your network access to the npm registry and run it again.`,
    );
    process.exit(status);
  }
}
