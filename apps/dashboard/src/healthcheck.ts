/**
 * Container healthcheck of the dashboard: `node --import tsx apps/dashboard/src/healthcheck.ts` exits 0 when the
 * dashboard on this host answers `GET /api/config` (with its token, read the way the dashboard reads it) within the
 * deadline, 1 otherwise. It asks the HTTP server, not the bus: the page being served is what the container is for,
 * and the services it shows have their own healthchecks.
 */
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@trading-system/runtime';
import { DashboardConfig, dashboardToken } from './config.js';

const TIMEOUT_MS = 2_500;

export async function probeDashboard(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(DashboardConfig, env);
  const token = dashboardToken(config);
  const url = `http://127.0.0.1:${config.DASHBOARD_PORT}/api/config`;
  try {
    const res = await fetch(url, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (res.ok) return 0;
    process.stderr.write(`healthcheck: ${url} answered ${res.status}\n`);
    return 1;
  } catch (err) {
    process.stderr.write(`healthcheck: ${url}: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  probeDashboard(process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`healthcheck failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
