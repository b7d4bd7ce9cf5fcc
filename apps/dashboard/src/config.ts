import { existsSync, readFileSync } from 'node:fs';
import {
  checkNatsConfig,
  type DeepReadonly,
  defaultedEnv,
  logConfigShape,
  natsConfigShape,
  optionalEnv,
} from '@trading-system/runtime';
import { z } from 'zod';

/** Hosts that only this machine can reach: the dashboard serves them without a token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The dashboard's settings (DASHBOARD_*), read by its own main.ts and by `npm start` (services/embedded), which
 * serves it beside the system. Trading is off unless the operator turns it on; anything but loopback needs a token,
 * because the page shows accounts and, with trading on, sends orders.
 */
export const dashboardConfigShape = {
  DASHBOARD_ENABLED: defaultedEnv(z.stringbool(), true).describe('serve the dashboard (true/false)'),
  DASHBOARD_HOST: defaultedEnv(z.string().min(1), '127.0.0.1').describe(
    'address the dashboard listens on (default loopback; any other needs DASHBOARD_TOKEN)',
  ),
  DASHBOARD_PORT: defaultedEnv(z.coerce.number().int().min(0).max(65_535), 8686).describe(
    'HTTP port of the dashboard (0 = any free port; when taken, any free port and the printed address says which)',
  ),
  DASHBOARD_TRADING: defaultedEnv(z.stringbool(), false).describe(
    'show the order ticket and cancel buttons and accept orders from the page (true/false; orders go through the ' +
      "OMS and its risk checks like any client's)",
  ),
  DASHBOARD_TOKEN: optionalEnv(z.string().min(16)).describe(
    'token every request must carry (Authorization: Bearer, or ?token= in the address); required when ' +
      'DASHBOARD_HOST is not loopback (secret, no default, at least 16 characters)',
  ),
  DASHBOARD_TOKEN_FILE: optionalEnv(
    z.string().refine((path) => existsSync(path), { message: 'file not found' }),
  ).describe('path to a file holding DASHBOARD_TOKEN (a Docker secret in compose); give the token in one place only'),
  DASHBOARD_REPORTS_DIR: defaultedEnv(z.string().min(1), 'out').describe(
    "directory of backtest results the dashboard lists and serves (each run's `backtest --out DIR` below it: " +
      'result.json and report.html); relative to the working directory; nothing outside it is served',
  ),
  DASHBOARD_WATCHLIST: defaultedEnv(z.string(), 'AAPL,MSFT,SPY')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter((s) => s !== ''),
    )
    .pipe(z.array(z.string().regex(/^[A-Z0-9.]{1,12}$/)).max(50))
    .describe('symbols whose quotes the dashboard streams, comma-separated (SMART routing, on every broker)'),
};

function checkDashboardConfig(
  c: {
    readonly DASHBOARD_HOST: string;
    readonly DASHBOARD_TOKEN?: string | undefined;
    readonly DASHBOARD_TOKEN_FILE?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (c.DASHBOARD_TOKEN_FILE !== undefined) {
    const issue = (message: string): void => ctx.addIssue({ code: 'custom', path: ['DASHBOARD_TOKEN_FILE'], message });
    if (c.DASHBOARD_TOKEN !== undefined) issue('DASHBOARD_TOKEN is set too; give the token in one place');
    // A missing file is already an issue of the field itself (zod runs this refinement anyway).
    else if (existsSync(c.DASHBOARD_TOKEN_FILE) && readFileSync(c.DASHBOARD_TOKEN_FILE, 'utf8').trim().length < 16)
      issue('the file holds no token of at least 16 characters');
    return;
  }
  if (!isLoopback(c.DASHBOARD_HOST) && c.DASHBOARD_TOKEN === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['DASHBOARD_TOKEN'],
      message: `required when DASHBOARD_HOST (${c.DASHBOARD_HOST}) is not loopback: the page shows accounts and orders`,
    });
}

/** The token requests must carry: DASHBOARD_TOKEN, or the content of DASHBOARD_TOKEN_FILE (trimmed); none = open. */
export function dashboardToken(c: {
  readonly DASHBOARD_TOKEN?: string | undefined;
  readonly DASHBOARD_TOKEN_FILE?: string | undefined;
}): string | undefined {
  if (c.DASHBOARD_TOKEN_FILE === undefined) return c.DASHBOARD_TOKEN;
  return readFileSync(c.DASHBOARD_TOKEN_FILE, 'utf8').trim();
}

export const DashboardConfig = z.object(dashboardConfigShape).superRefine(checkDashboardConfig);
/** As loadConfig returns it: frozen. */
export type DashboardConfig = DeepReadonly<z.output<typeof DashboardConfig>>;

/** The dashboard as its own process (src/main.ts): NATS_URL of the stack it shows, logging, and the above. */
export const DashboardProcessConfig = z
  .object({ ...logConfigShape, ...natsConfigShape, ...dashboardConfigShape })
  .superRefine((c, ctx) => {
    checkNatsConfig(c, ctx);
    checkDashboardConfig(c, ctx);
  });
