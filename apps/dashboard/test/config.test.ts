/** The dashboard's settings: the token from a file (a Docker secret in compose) counts as the token. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { DashboardConfig, dashboardToken } from '../src/config.js';

test('DASHBOARD_TOKEN_FILE: its content is the token, enough to bind beyond loopback; never both, never short', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
  const file = join(dir, 'token');
  writeFileSync(file, 'a-token-from-a-docker-secret\n');
  const c = DashboardConfig.parse({ DASHBOARD_HOST: '0.0.0.0', DASHBOARD_TOKEN_FILE: file });
  expect(dashboardToken(c)).toBe('a-token-from-a-docker-secret');
  expect(c.DASHBOARD_REPORTS_DIR).toBe('out');
  const both = DashboardConfig.safeParse({ DASHBOARD_TOKEN_FILE: file, DASHBOARD_TOKEN: 'another-token-0123456' });
  expect(both.error?.issues[0]?.path).toEqual(['DASHBOARD_TOKEN_FILE']);
  writeFileSync(file, 'short\n');
  expect(DashboardConfig.safeParse({ DASHBOARD_HOST: '0.0.0.0', DASHBOARD_TOKEN_FILE: file }).success).toBe(false);
  const missing = DashboardConfig.safeParse({ DASHBOARD_TOKEN_FILE: join(dir, 'absent') });
  expect(missing.error?.issues[0]?.path).toEqual(['DASHBOARD_TOKEN_FILE']);
  expect(dashboardToken(DashboardConfig.parse({}))).toBeUndefined();
});
