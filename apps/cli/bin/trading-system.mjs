#!/usr/bin/env node
// The `trading-system` command. Plain JavaScript so that any Node can start it: our dependencies need Node >= 22,
// so an older Node (the shell's) re-runs this file on the project's own Node 24 (node_modules/.bin/node, see
// docs/architecture.md "Node version"); then tsx is registered and the TypeScript entry point imported.
//
// Without NATS_URL a command runs the whole system in its own process, PGlite (Postgres compiled to WebAssembly)
// included. V8's optimising WebAssembly tier then recompiles PGlite's 9 MB module in the background: ~3 s of CPU
// and ~500 MB of memory for a command that lives seconds, and no gain at our query load. The baseline tier alone
// (V8's --liftoff-only, a start-up flag) is set by re-running this file with it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const modern = major > 22 || (major === 22 && minor >= 12);
const LIFTOFF = '--liftoff-only';
const embedded = (process.env.NATS_URL ?? '') === '';
const flags = embedded ? [LIFTOFF] : [];

if (!modern || (embedded && !process.execArgv.includes(LIFTOFF))) {
  const projectNode = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
  if (!modern && !existsSync(projectNode)) {
    process.stderr.write(
      `trading-system needs Node >= 22.12 (this is ${process.version}); run \`npm install\` in the repository to get its Node 24.\n`,
    );
    process.exit(3);
  }
  const node = modern ? process.execPath : projectNode;
  const child = spawn(node, [...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; this process only waits for its exit code.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (signal !== 'SIGINT') child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
