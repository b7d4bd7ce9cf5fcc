/**
 * docker-compose.yml checked without Docker (CI cannot run it):
 * 1. the file, merged (`<<:`) and interpolated like `docker compose config`, is valid against the Compose
 *    Specification JSON schema (infra/compose/compose-spec.json, see SOURCE.md there);
 * 2. the topology matches the code: every container of our image runs an entry file that exists in the image
 *    (Dockerfile layout), sets only variables that service reads (its loadConfig schema) and every variable it
 *    requires, with values its schema accepts; healthchecks, restart policies, the sim, live, paper and alpaca
 *    profiles, paper by default (alpaca-sim unless .env names Alpaca), no literal secrets; NATS with JetStream and
 *    fsync on every write;
 * 3. authorization on: every service connects to NATS as its own user and to Postgres as its own role, with
 *    credentials from Docker secrets that `npm run secrets` writes (checked by generating them); the optional TLS
 *    override switches every NATS service over.
 * The same topology runs as separate processes on real NATS and Postgres in topology.test.ts.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax, not JavaScript templates
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayConfig } from '@trading-system/gateway-ib';
import { isSecretName, loadConfig } from '@trading-system/runtime';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, test } from 'vitest';
import { tradingUrlOf } from '../../services/gateway-alpaca/src/keys.js';
import { PROBED_SERVICES } from '../healthcheck.js';
import { inboxPrefixOf, type NatsUser, SERVICE_USERS } from '../nats/permissions.js';
import { generateSecrets } from '../secrets.js';
import {
  type ComposeFile,
  type ComposeService,
  commandOf,
  environmentOf,
  InterpolationError,
  interpolate,
  loadComposeFile,
  parseComposeYaml,
  secretsOf,
  withLocalSecrets,
} from './compose-file.js';
import { readDockerfile, readDockerignore } from './dockerfile.js';
import { envSchemaOf, flagsLoaderOf, readsEnvironment } from './service-config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE_PATH = join(ROOT, 'docker-compose.yml');
/** What a sim user's .env holds: nothing (every credential is a secret file from `npm run secrets`). */
const SIM_ENV = {};
/** A live-money .env: every IB_* variable the README tells the user to set for it. */
const LIVE_ENV = {
  ...SIM_ENV,
  TWS_USERID: 'someone',
  IB_TRADING_MODE: 'live',
  IB_GATEWAY_PORT: '4003',
  IB_BROKER_NAME: 'ib_live',
  ORDERS_BROKERS: 'ib_live',
};
/** An .env for Alpaca itself (live money), every ALPACA_* variable the README tells the user to set for it. */
const ALPACA_LIVE_ENV = {
  ...SIM_ENV,
  ALPACA_PAPER: 'false',
  ALPACA_TRADING_URL: 'https://api.alpaca.markets',
  ALPACA_DATA_URL: 'https://data.alpaca.markets',
  ALPACA_FEED: 'sip',
  ALPACA_KEYS_FILE: './.secrets/alpaca/keys.json',
  ALPACA_BROKER_NAME: 'alpaca_live',
};
/** Secret files that are the user's, named in .env (the others `npm run secrets` writes). */
const USER_SECRETS = ['tws_password', 'alpaca_keys'];

const compose = loadComposeFile(COMPOSE_PATH, SIM_ENV);
/** What `npm run secrets` writes, here in a temporary directory standing for ./.secrets. */
const SECRETS_DIR = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
generateSecrets({ dir: SECRETS_DIR, tls: true });
const raw = parseComposeYaml(readFileSync(COMPOSE_PATH, 'utf8')) as ComposeFile;
const services = Object.entries(compose.services);
/** Containers built from our Dockerfile (the others are third-party images: nats, postgres, ib-gateway). */
const ours = services.filter(([, s]) => s.build !== undefined);

describe('compose interpolation and merge keys', () => {
  test('interpolation follows the Compose Specification', () => {
    const env = { SET: 'x', EMPTY: '' };
    expect(interpolate('$SET ${SET} $${SET} $$', env)).toBe('x x ${SET} $');
    expect(interpolate('${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}', env)).toBe('d d  d');
    expect(interpolate('${SET:+r} ${EMPTY:+r} ${EMPTY+r}', env)).toBe('r  r');
    expect(interpolate('${UNSET:-${SET}}', env)).toBe('x');
    expect(() => interpolate('${EMPTY:?needed}', env)).toThrow(new InterpolationError('EMPTY: needed'));
    expect(interpolate('${EMPTY?needed}', env)).toBe('');
  });

  test('merge keys are resolved: the anchors land in the services', () => {
    const orders = compose.services.orders as ComposeService;
    expect(orders.restart).toBe('unless-stopped');
    expect(environmentOf(orders)).toMatchObject({
      NATS_URL: 'nats://nats:4222',
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgres://orders@postgres:5432/trading',
    });
    expect(JSON.stringify(compose)).not.toContain('<<');
  });
});

describe('Compose Specification schema', () => {
  const spec = JSON.parse(readFileSync(join(ROOT, 'infra/compose/compose-spec.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  // The spec still carries draft-04 `id` members (annotations here; Ajv would refuse them as the old $id);
  // `format: expose` is Compose's own (a port or port range).
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/[a-z]+)?$/);
  const { $schema: _drop, ...schema } = spec;
  const validate = ajv.compile(schema);

  test.each([
    ['sim', SIM_ENV],
    ['live', LIVE_ENV],
    ['alpaca live', ALPACA_LIVE_ENV],
  ])('docker-compose.yml is valid (%s .env)', (_name, env) => {
    const file = loadComposeFile(COMPOSE_PATH, env);
    const ok = validate(file);
    expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  test('docker-compose.tls.yml (the TLS override) is valid too', () => {
    const file = loadComposeFile(join(ROOT, 'docker-compose.tls.yml'), {});
    expect(validate(file), ajv.errorsText(validate.errors)).toBe(true);
  });

  test('the validator rejects what Compose rejects (a misspelt key, a wrong type)', () => {
    const broken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    (broken.services.orders as Record<string, unknown>).healtcheck = {};
    expect(validate(broken)).toBe(false);
    const wrongType = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    (wrongType.services.orders as Record<string, unknown>).depends_on = { nats: { condition: 'healthy' } };
    expect(validate(wrongType)).toBe(false);
  });
});

describe('topology: the compose file against the code', () => {
  const stages = readDockerfile(join(ROOT, 'Dockerfile'));
  const runtime = stages.at(-1);
  const ignored = readDockerignore(join(ROOT, '.dockerignore'));

  test('the image: node --import tsx in /app with the whole repository; every workspace installed', () => {
    expect(runtime?.entrypoint).toEqual(['node', '--import', 'tsx']);
    expect(runtime?.workdir).toBe('/app');
    expect(runtime?.copies.some((c) => c.from === undefined && c.args.join(' ') === '. .')).toBe(true);
    // npm ci in the deps stage needs every workspace's package.json (the lock file names them all).
    const deps = stages.find((s) => s.copies.some((c) => c.args.includes('package-lock.json')));
    const copied = new Set(deps?.copies.flatMap((c) => c.args.slice(0, -1)));
    const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    const workspaces = rootPkg.workspaces.flatMap((glob) => {
      const base = glob.replace(/\/\*$/, '');
      if (base === glob) return [glob];
      return readdirSync(join(ROOT, base)).map((d) => `${base}/${d}`);
    });
    const manifests = workspaces.map((w) => `${w}/package.json`).filter((p) => existsSync(join(ROOT, p)));
    expect(manifests.length).toBeGreaterThan(5);
    expect(manifests.filter((m) => !copied.has(m))).toEqual([]);
  });

  test('the build context leaves out .env and .secrets/ (COPY . . would bake the credentials into the image)', () => {
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.secrets', 'node_modules', '.git']));
    expect(raw.secrets?.tws_password?.file).toContain('./.secrets/');
  });

  test.each(ours)('%s runs an entry file that exists in the image', (_name, service) => {
    const [entry] = commandOf(service);
    expect(entry).toMatch(/^(services|apps)\/[a-z-]+\/src\/main\.ts$/);
    expect(existsSync(join(ROOT, entry as string))).toBe(true);
    expect(ignored).not.toContain((entry as string).split('/')[0]);
  });

  test.each(ours)('%s sets exactly what its service reads, and all it requires', async (_name, service) => {
    const [entry = '', ...args] = commandOf(service);
    const env = environmentOf(service);
    const schema = await envSchemaOf(join(ROOT, entry));
    if (schema === undefined) {
      // An args-driven process (ib-sim, alpaca-sim): its own flag loader accepts the command (known flags, valid
      // values; a flag naming a secret file reads the one `npm run secrets` wrote), and no environment it would ignore.
      const loadFlags = await flagsLoaderOf(join(ROOT, entry));
      expect(loadFlags, `${entry}: no load*Flags(process.argv…)`).toBeDefined();
      const localArgs = args.map((a) => withLocalSecrets({ a }, compose, SECRETS_DIR).a as string);
      expect(() => loadFlags?.(localArgs, {})).not.toThrow();
      expect(() => loadFlags?.([...localArgs, '--no-such-flag'], {})).toThrow(/no-such-flag/);
      const src = join(ROOT, entry, '..');
      const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(src, f));
      // alpaca-sim reads ALPACA_SIM_KEY_ID / _SECRET_KEY as defaults of --key-id / --secret-key; compose gives it
      // neither (its keys come from --keys-file, a secret), so nothing set here could be ignored.
      if (!entry.startsWith('services/alpaca-sim/')) expect(readsEnvironment(files)).toBe(false);
      expect(env).toEqual({});
      // Flag values naming a secret point at one this service mounts.
      for (const a of args.filter((x) => x.startsWith('/run/secrets/')))
        expect(secretsOf(service)).toContain(a.slice('/run/secrets/'.length));
      return;
    }
    expect(args).toEqual([]);
    expect(Object.keys(env).filter((k) => !schema.variables.includes(k))).toEqual([]);
    expect(schema.required.filter((k) => env[k] === undefined)).toEqual([]);
    // The service's own loader: required-together rules, value formats, cross-field checks (with the secret files
    // where Docker mounts them standing for the ones `npm run secrets` wrote).
    expect(() => loadConfig(schema.schema, withLocalSecrets(env, compose, SECRETS_DIR))).not.toThrow();
  });

  test('every NATS service runs on nats, and the database ones on postgres', () => {
    for (const [name, service] of ours) {
      const env = environmentOf(service);
      if (env.NATS_URL !== undefined) expect(env.NATS_URL, name).toBe('nats://nats:4222');
      if (env.DATABASE_URL !== undefined) expect(env.DATABASE_URL, name).toMatch(/@postgres:5432\/trading$/);
    }
  });

  test('orders routes to every broker a gateway container serves (default and live-money .env)', async () => {
    for (const env of [SIM_ENV, LIVE_ENV]) {
      const file = loadComposeFile(COMPOSE_PATH, env);
      // The live-money .env runs the live profile only.
      const gateways = Object.values(file.services).filter(
        (s) =>
          /^services\/gateway-[a-z]+\//.test(commandOf(s)[0] ?? '') &&
          (env !== LIVE_ENV || s.profiles?.includes('live') === true),
      );
      expect(gateways.length).toBe(env === LIVE_ENV ? 1 : 4);
      const orders = await envSchemaOf(join(ROOT, 'services/orders/src/main.ts'));
      const ordersEnv = withLocalSecrets(environmentOf(file.services.orders as ComposeService), file, SECRETS_DIR);
      const config = loadConfig(orders?.schema as never, ordersEnv) as {
        ORDERS_BROKERS: { name: string }[];
      };
      const routed = config.ORDERS_BROKERS.map((b) => b.name);
      const served = gateways.map((g) => environmentOf(g).BROKER_NAME);
      const active = env === LIVE_ENV ? served.filter((b) => b !== 'sim') : served;
      expect(active.filter((b) => !routed.includes(b as string))).toEqual([]);
    }
  });

  test('every container has a restart policy and a healthcheck; ours ask the service over NATS', () => {
    for (const [name, service] of services) {
      expect(['always', 'unless-stopped', 'on-failure'], name).toContain(service.restart);
      expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.healthcheck?.disable, name).not.toBe(true);
    }
    expect(existsSync(join(ROOT, 'infra/healthcheck.ts'))).toBe(true);
    for (const [name, service] of ours) {
      const kind = /^services\/([a-z-]+)\//.exec(commandOf(service)[0] ?? '')?.[1];
      // ib-sim, alpaca-sim: not NATS services, a probe of their API port; the dashboard: its HTTP page (below).
      if (kind === 'ib-sim' || kind === 'alpaca-sim' || kind === undefined) continue;
      expect(PROBED_SERVICES as readonly string[], name).toContain(kind);
      expect(service.healthcheck?.test, name).toEqual(['CMD', 'node', '--import', 'tsx', 'infra/healthcheck.ts', kind]);
    }
  });

  test('depends_on: targets exist in the same profile, service_healthy only on services with a healthcheck', () => {
    for (const [name, service] of services) {
      const deps = service.depends_on ?? {};
      const entries = Array.isArray(deps)
        ? (deps as string[]).map((d) => [d, 'service_started'] as const)
        : Object.entries(deps as Record<string, { condition: string }>).map(([d, c]) => [d, c.condition] as const);
      for (const [dep, condition] of entries) {
        const target = compose.services[dep];
        expect(target, `${name} → ${dep}`).toBeDefined();
        const targetProfiles = target?.profiles ?? [];
        // A service that runs in every profile must not wait for one that runs in some only.
        if (targetProfiles.length > 0) {
          expect(service.profiles ?? [], `${name} → ${dep}`).not.toHaveLength(0);
          for (const p of service.profiles ?? []) expect(targetProfiles, `${name} → ${dep}`).toContain(p);
        }
        if (condition === 'service_healthy') expect(target?.healthcheck, `${name} → ${dep}`).toBeDefined();
      }
    }
  });

  test('published ports bind to 127.0.0.1 only (defence in depth: NATS and Postgres are authenticated too)', () => {
    const published = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, String(p)] as const));
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter(([, p]) => !p.startsWith('127.0.0.1:'))).toEqual([]);
  });

  test('sim and live profiles: one broker each; the core runs in both', () => {
    const inProfile = (p: string) => services.filter(([, s]) => s.profiles?.includes(p)).map(([n]) => n);
    const core = services.filter(([, s]) => (s.profiles ?? []).length === 0).map(([n]) => n);
    expect(core.sort()).toEqual(['dashboard', 'history', 'market-data', 'nats', 'orders', 'postgres']);
    expect(inProfile('sim').sort()).toEqual(['gateway-ib-sim', 'ib-sim']);
    expect(inProfile('live').sort()).toEqual(['gateway-ib-live', 'ib-gateway']);
    expect(inProfile('paper')).toEqual(['gateway-paper']);
    expect(inProfile('alpaca').sort()).toEqual(['alpaca-sim', 'gateway-alpaca']);
    const sim = environmentOf(compose.services['gateway-ib-sim'] as ComposeService);
    expect(sim).toMatchObject({ IB_HOST: 'ib-sim', IB_PORT: '7497', IB_TRADING_MODE: 'paper' });
  });

  test('live: IB Gateway is paper by default and gets its credentials only from .env and a secret file', () => {
    const gateway = compose.services['ib-gateway'] as ComposeService;
    expect(environmentOf(gateway).TRADING_MODE).toBe('paper');
    const live = environmentOf(compose.services['gateway-ib-live'] as ComposeService);
    // 4004: the image's relay of the paper API port 4002 to other containers (4003 relays live 4001).
    expect(live).toMatchObject({ IB_HOST: 'ib-gateway', IB_PORT: '4004', IB_TRADING_MODE: 'paper' });
    const password = environmentOf(gateway).TWS_PASSWORD_FILE ?? '';
    expect(password).toMatch(/^\/run\/secrets\//);
    expect(gateway.secrets).toContain(password.split('/').pop());
    expect(environmentOf(gateway).TWS_PASSWORD).toBeUndefined();
    expect(raw.secrets?.tws_password?.file).toMatch(/^\$\{TWS_PASSWORD_FILE:-\.\/\.secrets\/[^}]+\}$/);
  });

  test('.env.example names every variable the compose files read, and no other; it sets none and holds no secret', () => {
    const read = new Set(
      ['docker-compose.yml', 'docker-compose.tls.yml'].flatMap((f) =>
        [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string),
      ),
    );
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^# ([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1] as string));
    expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
    expect([...documented].filter((v) => !read.has(v)).sort()).toEqual([]);
    // Every line a comment: copied to .env as it is, it changes nothing.
    expect(example.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))).toEqual([]);
    for (const v of documented) if (isSecretName(v)) expect(v, 'a secret is a file').toMatch(/_FILE$/);
  });

  test('no literal secret anywhere: secret-named values and URL passwords come from interpolation', () => {
    for (const [name, service] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (isSecretName(key) || /^TWS_(USERID|PASSWORD)$/.test(key)) {
          expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z_]+(:?[-?][^}]*)?\}$/);
          expect(value, `${name}.${key}`).not.toMatch(/:-[^}]/); // and no default value
        }
        const userinfo = /^[a-z]+:\/\/[^:/@]+:([^@]+)@/.exec(value)?.[1];
        if (userinfo !== undefined) expect(userinfo, `${name}.${key}`).toMatch(/^\$\{[A-Z_]+:\?[^}]*\}$/);
      }
    }
  });

  test('the dashboard: listens beyond loopback in its container, so its token comes from a secret file; published on this machine only; read-only', async () => {
    const dashboard = compose.services.dashboard as ComposeService;
    const env = environmentOf(dashboard);
    expect(env).toMatchObject({ DASHBOARD_HOST: '0.0.0.0', DASHBOARD_TOKEN_FILE: '/run/secrets/dashboard_token' });
    expect(env.DASHBOARD_TOKEN).toBeUndefined();
    expect(env.DASHBOARD_TRADING).toBeUndefined(); // off by default, and its NATS user could not submit anyway
    expect(secretsOf(dashboard)).toContain('dashboard_token');
    expect(raw.secrets?.dashboard_token?.file).toBe('./.secrets/dashboard/token');
    expect(readFileSync(join(SECRETS_DIR, 'dashboard/token'), 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(dashboard.ports).toEqual([`127.0.0.1:8686:${env.DASHBOARD_PORT}`]);
    expect(dashboard.volumes).toEqual([`./out:${env.DASHBOARD_REPORTS_DIR}:ro`]);
    expect(dashboard.healthcheck?.test).toEqual([
      'CMD',
      'node',
      '--import',
      'tsx',
      'apps/dashboard/src/healthcheck.ts',
    ]);
    expect(existsSync(join(ROOT, 'apps/dashboard/src/healthcheck.ts'))).toBe(true);
    // Without the token file the dashboard refuses to start bound there (its own loader says so).
    const schema = await envSchemaOf(join(ROOT, 'apps/dashboard/src/main.ts'));
    const { DASHBOARD_TOKEN_FILE: _, ...open } = withLocalSecrets(env, compose, SECRETS_DIR);
    expect(() => loadConfig(schema?.schema as never, open)).toThrow(/DASHBOARD_TOKEN/);
  });

  test('the live-money .env loads every gateway config as live, with no paper/live mismatch', async () => {
    const file = loadComposeFile(COMPOSE_PATH, LIVE_ENV);
    expect(environmentOf(file.services['ib-gateway'] as ComposeService).TRADING_MODE).toBe('live');
    const env = environmentOf(file.services['gateway-ib-live'] as ComposeService);
    expect(env).toMatchObject({ IB_PORT: '4003', IB_TRADING_MODE: 'live', BROKER_NAME: 'ib_live' });
    const gateway = await envSchemaOf(join(ROOT, 'services/gateway-ib/src/main.ts'));
    expect(() => loadConfig(gateway?.schema as never, withLocalSecrets(env, file, SECRETS_DIR))).not.toThrow();
  });

  test("paper: a paper broker on sim's quotes, its books in its own schema, no order command to the source", () => {
    const paper = compose.services['gateway-paper'] as ComposeService;
    expect(environmentOf(paper)).toMatchObject({
      BROKER_NAME: 'paper',
      PAPER_QUOTES_FROM: 'sim',
      PAPER_DB_SCHEMA: 'paper',
      DATABASE_URL: 'postgres://gateway_paper@postgres:5432/trading',
    });
    // Its source runs in another profile: no depends_on across profiles (Compose would refuse it).
    expect(Object.keys(paper.depends_on ?? {}).sort()).toEqual(['nats', 'postgres']);
    const source = environmentOf(compose.services['gateway-ib-sim'] as ComposeService).BROKER_NAME;
    expect(environmentOf(paper).PAPER_QUOTES_FROM).toBe(source);
  });

  test("alpaca: alpaca-sim and paper by default; the keys only from a secret file, alpaca-sim's the same file", () => {
    const gateway = compose.services['gateway-alpaca'] as ComposeService;
    const env = environmentOf(gateway);
    expect(env).toMatchObject({
      ALPACA_PAPER: 'true',
      ALPACA_TRADING_URL: 'http://alpaca-sim:8788',
      ALPACA_DATA_URL: 'http://alpaca-sim:8788',
      ALPACA_SECRETS_FILE: '/run/secrets/alpaca_keys',
    });
    expect(Object.keys(env).filter((k) => /^ALPACA_API_/.test(k))).toEqual([]);
    expect(secretsOf(gateway)).toContain('alpaca_keys');
    const sim = compose.services['alpaca-sim'] as ComposeService;
    expect(commandOf(sim)).toEqual(
      expect.arrayContaining(['--port', '8788', '--keys-file', '/run/secrets/alpaca_sim_keys']),
    );
    expect(commandOf(sim).filter((a) => /^--(key-id|secret-key)$/.test(a))).toEqual([]);
    // Both mount the keys `npm run secrets` wrote, so the gateway's keys are the ones the sim accepts.
    expect(compose.secrets?.alpaca_keys?.file).toBe('./.secrets/alpaca/sim-keys.json');
    expect(compose.secrets?.alpaca_sim_keys?.file).toBe('./.secrets/alpaca/sim-keys.json');
    const keys = JSON.parse(readFileSync(join(SECRETS_DIR, 'alpaca/sim-keys.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(keys).sort()).toEqual(['keyId', 'secretKey']);
    expect(keys.secretKey?.length).toBeGreaterThanOrEqual(32);
    expect(raw.secrets?.alpaca_keys?.file).toMatch(/^\$\{ALPACA_KEYS_FILE:-\.\/\.secrets\/[^}]+\}$/);
  });

  test('alpaca: Alpaca itself only when .env names its hosts, a keys file and (for live money) ALPACA_PAPER=false', async () => {
    const file = loadComposeFile(COMPOSE_PATH, ALPACA_LIVE_ENV);
    const env = environmentOf(file.services['gateway-alpaca'] as ComposeService);
    expect(env).toMatchObject({
      ALPACA_PAPER: 'false',
      ALPACA_TRADING_URL: 'https://api.alpaca.markets',
      BROKER_NAME: 'alpaca_live',
    });
    expect(file.secrets?.alpaca_keys?.file).toBe('./.secrets/alpaca/keys.json');
    const schema = await envSchemaOf(join(ROOT, 'services/gateway-alpaca/src/main.ts'));
    const config = loadConfig(schema?.schema as never, withLocalSecrets(env, file, SECRETS_DIR)) as {
      ALPACA_PAPER: boolean;
    };
    expect(config.ALPACA_PAPER).toBe(false);
    // The paper default of a partial .env (only the URL) is refused by the gateway's paper/live guard.
    const partial = environmentOf(
      loadComposeFile(COMPOSE_PATH, { ALPACA_TRADING_URL: 'https://api.alpaca.markets' }).services[
        'gateway-alpaca'
      ] as ComposeService,
    );
    expect(partial.ALPACA_PAPER).toBe('true');
    expect(() => tradingUrlOf({ paper: true, tradingUrl: partial.ALPACA_TRADING_URL })).toThrow(/live host/);
  });
});

/** The NATS user a container of ours connects as, by the service its command runs. */
function userOf(service: ComposeService): NatsUser | undefined {
  const entry = commandOf(service)[0] ?? '';
  if (entry === 'apps/dashboard/src/main.ts') return 'dashboard';
  const kind = /^services\/([a-z-]+)\//.exec(entry)?.[1];
  return (SERVICE_USERS as readonly string[]).includes(kind ?? '') ? (kind as NatsUser) : undefined;
}

describe('authorization on by default', () => {
  test('the sim profile needs no .env: every credential is a secret file that `npm run secrets` writes', () => {
    expect(loadComposeFile(COMPOSE_PATH, {}).services.orders).toBeDefined();
    const files = Object.entries(raw.secrets ?? {}).filter(([name]) => !USER_SECRETS.includes(name));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const [name, spec] of files) {
      expect(spec.file, name).toMatch(/^\.\/\.secrets\//);
      expect(existsSync(join(SECRETS_DIR, (spec.file ?? '').slice('./.secrets/'.length))), name).toBe(true);
    }
    const nats = compose.services.nats as ComposeService;
    expect(nats.env_file).toEqual(['.secrets/nats/users.env']);
    expect(existsSync(join(SECRETS_DIR, 'nats/users.env'))).toBe(true);
  });

  test.each(ours.filter(([, s]) => environmentOf(s).NATS_URL !== undefined))(
    '%s connects to NATS as its own user, with its own reply inbox, from a secret',
    (_name, service) => {
      const env = environmentOf(service);
      const user = userOf(service);
      expect(user).toBeDefined();
      expect(env.NATS_NKEY_SEED_FILE).toBe(`/run/secrets/nats_${(user ?? '').replaceAll('-', '_')}`);
      expect(secretsOf(service)).toContain(`nats_${(user ?? '').replaceAll('-', '_')}`);
      expect(raw.secrets?.[`nats_${(user ?? '').replaceAll('-', '_')}`]?.file).toBe(`./.secrets/nats/${user}.nk`);
      expect(env.NATS_INBOX_PREFIX).toBe(inboxPrefixOf(user as NatsUser));
      for (const key of ['NATS_USER', 'NATS_PASSWORD', 'NATS_TOKEN', 'NATS_NKEY_SEED'])
        expect(env[key]).toBeUndefined();
    },
  );

  test('orders, history and gateway-paper connect to Postgres as their own roles, the password from a secret; no superuser URL', () => {
    /** Each service with a database: its role and schema (infra/postgres/roles.psql), its password's secret. */
    const ROLES: Record<string, { role: string; schema: string; secret: string }> = {
      orders: { role: 'orders', schema: 'orders', secret: 'pg_orders' },
      history: { role: 'history', schema: 'history', secret: 'pg_history' },
      'gateway-paper': { role: 'gateway_paper', schema: 'paper', secret: 'pg_gateway_paper' },
    };
    const withDb = ours.filter(([, s]) => environmentOf(s).DATABASE_URL !== undefined);
    expect(withDb.map(([n]) => n).sort()).toEqual(Object.keys(ROLES).sort());
    for (const [name, service] of withDb) {
      const env = environmentOf(service);
      const { role, secret } = ROLES[name] as { role: string; secret: string };
      expect(env.DATABASE_URL).toBe(`postgres://${role}@postgres:5432/trading`);
      expect(env.DATABASE_PASSWORD_FILE).toBe(`/run/secrets/${secret}`);
      expect(secretsOf(service)).toContain(secret);
      expect(raw.secrets?.[secret]?.file).toBe(`./.secrets/postgres/${name}.password`);
    }
    const postgres = compose.services.postgres as ComposeService;
    const env = environmentOf(postgres);
    expect(env.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/pg_superuser');
    expect(env.POSTGRES_PASSWORD).toBeUndefined();
    expect(secretsOf(postgres).sort()).toEqual(['pg_gateway_paper', 'pg_history', 'pg_orders', 'pg_superuser']);
    expect(postgres.volumes).toEqual(
      expect.arrayContaining([
        './infra/postgres/init-roles.sh:/docker-entrypoint-initdb.d/10-roles.sh:ro',
        './infra/postgres/roles.psql:/etc/trading/roles.psql:ro',
      ]),
    );
    const script = readFileSync(join(ROOT, 'infra/postgres/init-roles.sh'), 'utf8');
    for (const { role, schema, secret } of Object.values(ROLES)) {
      expect(script.replace(/\\\n\s*/g, '')).toContain(`-v ${role}_role=${role} -v ${role}_schema=${schema}`);
      expect(script).toContain(`/run/secrets/${secret}`);
    }
    // The paper gateway's schema is the one its configuration names.
    const paper = environmentOf(compose.services['gateway-paper'] as ComposeService);
    expect(paper.PAPER_DB_SCHEMA).toBe(ROLES['gateway-paper']?.schema);
  });

  test('the TLS override (docker-compose.tls.yml) is valid and switches every NATS service to tls:// with the CA', () => {
    const tlsPath = join(ROOT, 'docker-compose.tls.yml');
    const tls = loadComposeFile(tlsPath, {});
    const nats = tls.services.nats as ComposeService;
    expect(commandOf(nats)).toEqual(['-c', '/etc/nats/tls.conf']);
    for (const [name] of ours.filter(([, s]) => environmentOf(s).NATS_URL !== undefined)) {
      const over = tls.services[name] as ComposeService | undefined;
      expect(over, name).toBeDefined();
      expect(environmentOf(over as ComposeService), name).toEqual({
        NATS_URL: 'tls://nats:4222',
        NATS_TLS_CA: '/run/secrets/nats_ca',
      });
      expect(secretsOf(over as ComposeService), name).toContain('nats_ca');
    }
    expect(tls.secrets?.nats_ca?.file).toBe('./.secrets/nats/tls/ca.pem');
    expect(existsSync(join(SECRETS_DIR, 'nats/tls/ca.pem'))).toBe(true);
    const conf = readFileSync(join(ROOT, 'infra/nats/tls.conf'), 'utf8');
    expect(conf).toMatch(/include "nats\.conf"/);
    for (const v of nats.volumes ?? []) {
      const [source = '', target = ''] = String(v).split(':');
      if (source.startsWith('./.secrets/')) expect(existsSync(join(SECRETS_DIR, source.slice(10))), source).toBe(true);
      if (target.startsWith('/etc/nats/tls/')) expect(conf).toContain(target);
    }
  });
});

test.each([
  ['sim', SIM_ENV],
  ['live', LIVE_ENV],
])(
  "gateway containers pass gateway-ib's configuration, paper/live port guard included, with a %s .env",
  (_name, env) => {
    const file = loadComposeFile(COMPOSE_PATH, env);
    for (const service of Object.values(file.services)) {
      if (!commandOf(service)[0]?.startsWith('services/gateway-ib/')) continue;
      const ib = Object.fromEntries(Object.entries(environmentOf(service)).filter(([k]) => k.startsWith('IB_')));
      expect(() => loadConfig(GatewayConfig, ib)).not.toThrow();
    }
  },
);

describe('NATS configuration (infra/nats/nats.conf)', () => {
  const conf = readFileSync(join(ROOT, 'infra/nats/nats.conf'), 'utf8').replace(/#.*$/gm, '');
  const nats = compose.services.nats as ComposeService;

  test('JetStream on, stored on the nats-data volume, fsync on every write (the ORDERS stream is file-backed)', () => {
    const block = /jetstream\s*\{([^}]*)\}/.exec(conf)?.[1];
    expect(block).toBeDefined();
    expect(block).toMatch(/sync_interval\s*:\s*always\b/);
    expect(block).toMatch(/store_dir\s*:\s*\/data\//);
    expect(nats.volumes).toContain('nats-data:/data');
  });

  test('compose mounts this file and points the server at it; the image supports sync_interval (>= 2.10)', () => {
    expect(nats.volumes).toContain('./infra/nats/nats.conf:/etc/nats/nats.conf:ro');
    // Authorization: the generated users file beside it, included.
    expect(nats.volumes).toContain('./infra/nats/auth.conf:/etc/nats/auth.conf:ro');
    expect(conf).toMatch(/^\s*include\s+"auth\.conf"/m);
    expect(commandOf(nats)).toEqual(['-c', '/etc/nats/nats.conf']);
    const [major = 0, minor = 0] = (/^nats:(\d+)\.(\d+)/.exec(nats.image ?? '') ?? []).slice(1).map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(210);
    expect(conf).toMatch(/^\s*port\s*:\s*4222\b/m);
    expect(conf).toMatch(/^\s*http_port\s*:\s*8222\b/m);
  });
});

describe('observability profile', () => {
  const withMetrics = ours.filter(([, s]) => environmentOf(s).METRICS_PORT !== undefined);
  const prometheusConfig = parseComposeYaml(readFileSync(join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: { static_configs: { targets: string[] }[] }[];
  };
  const targets = prometheusConfig.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));

  test('every NATS service of ours has a metrics endpoint on the compose network, and Prometheus scrapes each', () => {
    // The services; the dashboard is a viewer of them (its health is its page, see the dashboard's test).
    const natsServices = ours
      .filter(([, s]) => environmentOf(s).NATS_URL !== undefined && commandOf(s)[0]?.startsWith('services/'))
      .map(([n]) => n);
    expect(withMetrics.map(([n]) => n).sort()).toEqual(natsServices.sort());
    for (const [name, service] of withMetrics) {
      const env = environmentOf(service);
      expect(env.METRICS_HOST, name).toBe('0.0.0.0'); // reachable by Prometheus; never published on the host
      expect(service.ports ?? [], name).toEqual([]);
      expect(targets, name).toContain(`${name}:${env.METRICS_PORT}`);
    }
    expect(targets.length).toBe(withMetrics.length);
  });

  test('Prometheus and Grafana run only in the profile; Grafana provisioned, its admin password a secret file', () => {
    const prometheus = compose.services.prometheus as ComposeService;
    const grafana = compose.services.grafana as ComposeService;
    expect(prometheus.profiles).toEqual(['observability']);
    expect(grafana.profiles).toEqual(['observability']);
    const env = environmentOf(grafana);
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
    expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/run/secrets/grafana_admin');
    expect(raw.secrets?.grafana_admin?.file).toBe('./.secrets/grafana/admin.password');
    expect(readFileSync(join(SECRETS_DIR, 'grafana/admin.password'), 'utf8')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    for (const f of ['provisioning/datasources/prometheus.yml', 'provisioning/dashboards/trading.yml'])
      expect(existsSync(join(ROOT, 'infra/grafana', f)), f).toBe(true);
  });

  test("the Grafana dashboard's queries name only series the services export", () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'infra/grafana/dashboards/trading.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const sources = [
      'libs/metrics/src',
      'services/orders/src',
      'services/gateway-ib/src',
      'services/market-data/src',
      'services/history/src',
    ]
      .flatMap((d) =>
        readdirSync(join(ROOT, d))
          .filter((f) => f.endsWith('.ts'))
          .map((f) => readFileSync(join(ROOT, d, f), 'utf8')),
      )
      .join('\n');
    for (const expr of exprs)
      for (const series of expr.match(/trading_[a-z_]+/g) ?? []) {
        const base = series.replace(/_(bucket|sum|count)$/, '');
        expect(sources, `${series} in "${expr}"`).toContain(`'${base}'`);
      }
  });
});
