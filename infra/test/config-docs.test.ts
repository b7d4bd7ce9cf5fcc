import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CONFIG_DOC, renderConfigDoc } from '../config-docs.js';

test('docs/configuration.md matches the services config schemas (run `npm run config:gen` after changing one)', async () => {
  const doc = await renderConfigDoc();
  expect(readFileSync(CONFIG_DOC, 'utf8')).toBe(doc);
  // Every process documented, and the variables a newcomer needs first are there with their defaults.
  for (const p of ['embedded', 'gateway-ib', 'orders', 'market-data', 'history']) expect(doc).toContain(`## ${p}`);
  expect(doc).toMatch(/\| `IB_TRADING_MODE` \| .* \| `paper` \|/);
  expect(doc).toMatch(/\| `HISTORY_LIVE_BARS` \| .* \| `true` \|/);
});
