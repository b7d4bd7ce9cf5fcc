/**
 * `npm run nats:config` writes infra/nats/auth.conf (the users and their permissions) from permissions.ts;
 * `-- --check` fails when the file is not current (CI), as when a subject was added to the catalog without a rule.
 * `-- --namespace <ns>` prints the configuration of a system whose services run with BUS_NAMESPACE=<ns> instead
 * (its subjects and streams carry the namespace); the committed file is the one without.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkNamespace } from '@trading-system/bus';
import { renderAuthConf } from './permissions.js';

export const AUTH_CONF_PATH = fileURLToPath(new URL('./auth.conf', import.meta.url));

function main(check: boolean): number {
  const wanted = renderAuthConf();
  if (check) {
    const current = readFileSync(AUTH_CONF_PATH, 'utf8');
    if (current === wanted) return 0;
    process.stderr.write('infra/nats/auth.conf is out of date: run `npm run nats:config` and commit it\n');
    return 1;
  }
  writeFileSync(AUTH_CONF_PATH, wanted);
  process.stdout.write(`wrote ${AUTH_CONF_PATH}\n`);
  return 0;
}

function printNamespaced(namespace: string): number {
  checkNamespace(namespace);
  process.stdout.write(renderAuthConf(undefined, namespace));
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--namespace');
  process.exitCode =
    at === -1 ? main(process.argv.includes('--check')) : printNamespaced(process.argv[at + 1] ?? '(missing)');
}
