/**
 * docker-compose.yml as `docker compose config` would see it, without Docker: YAML parsed with merge keys
 * (`<<: *anchor`) resolved, then every string value interpolated from an environment the way the Compose
 * Specification says (`$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+replacement}`, `${VAR+replacement}`; defaults may themselves hold `${...}`).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

/** Parses compose YAML with YAML 1.1 merge keys, as Compose does. */
export function parseComposeYaml(text: string): unknown {
  return parse(text, { merge: true, maxAliasCount: -1 });
}

/** Interpolates one string; throws InterpolationError for `${VAR:?msg}` / `${VAR?msg}` when VAR is missing. */
export function interpolate(value: string, env: Env): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i];
    if (ch !== '$') {
      out += ch;
      i += 1;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(value, i + 2);
      out += expand(value.slice(i + 2, end), env);
      i = end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))?.[0];
      if (name === undefined) throw new InterpolationError(`invalid interpolation "${value}"`);
      out += env[name] ?? '';
      i += 1 + name.length;
    }
  }
  return out;
}

function closingBrace(value: string, from: number): number {
  let depth = 1;
  for (let j = from; j < value.length; j++) {
    if (value[j] === '{') depth += 1;
    else if (value[j] === '}' && --depth === 0) return j;
  }
  throw new InterpolationError(`unterminated \${ in "${value}"`);
}

function expand(body: string, env: Env): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
  if (m === null) throw new InterpolationError(`invalid interpolation "\${${body}}"`);
  const [, name = '', op, arg = ''] = m;
  const raw = env[name];
  const unset = raw === undefined;
  const empty = unset || raw === '';
  switch (op) {
    case undefined:
      return raw ?? '';
    case ':-':
      return empty ? interpolate(arg, env) : (raw as string);
    case '-':
      return unset ? interpolate(arg, env) : (raw as string);
    case ':?':
    case '?':
      if (op === ':?' ? empty : unset) throw new InterpolationError(`${name}: ${interpolate(arg, env)}`);
      return raw as string;
    case ':+':
      return empty ? '' : interpolate(arg, env);
    case '+':
      return unset ? '' : interpolate(arg, env);
    default:
      throw new InterpolationError(`unsupported operator ${op} in "\${${body}}"`);
  }
}

/** Interpolates every string value (not mapping keys) of a parsed compose document. */
export function interpolateAll(node: unknown, env: Env): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return node;
}

export interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: string | readonly string[];
  readonly environment?: Readonly<Record<string, string | number | boolean | null>> | readonly string[];
  readonly profiles?: readonly string[];
  readonly restart?: string;
  readonly healthcheck?: { readonly test?: string | readonly string[]; readonly disable?: boolean };
  readonly depends_on?: Readonly<Record<string, { condition: string }>> | readonly string[];
  readonly secrets?: readonly (string | { source: string })[];
  readonly env_file?: string | readonly string[];
  readonly volumes?: readonly (string | { source?: string; target?: string })[];
  readonly ports?: readonly (string | number)[];
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, { file?: string; environment?: string }>>;
}

/** Reads, merges and interpolates a compose file; `x-` extension fields are kept (the schema allows them). */
export function loadComposeFile(path: string, env: Env): ComposeFile {
  return interpolateAll(parseComposeYaml(readFileSync(path, 'utf8')), env) as ComposeFile;
}

/** A service's environment as a map (the list form `KEY=value` too); null / bare keys mean "from the shell". */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as readonly string[]).map((item) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

/** The command as an argument list (a string command is split on whitespace, as Compose does without quotes). */
export function commandOf(service: ComposeService): string[] {
  const c = service.command;
  if (c === undefined) return [];
  return typeof c === 'string' ? c.trim().split(/\s+/) : [...c];
}

/** The names of the secrets a service mounts (at /run/secrets/<name>). */
export function secretsOf(service: ComposeService): string[] {
  return (service.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));
}

/**
 * `env` with every `/run/secrets/<name>` value replaced by where that secret's file is on this machine: the
 * compose file's `./.secrets/...` paths resolved under `secretsDir` (a directory `npm run secrets` wrote).
 */
export function withLocalSecrets(
  env: Record<string, string>,
  file: ComposeFile,
  secretsDir: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => {
      const name = /^\/run\/secrets\/([a-z0-9_]+)$/.exec(v)?.[1];
      const source = name === undefined ? undefined : file.secrets?.[name]?.file;
      if (source === undefined || !source.startsWith('./.secrets/')) return [k, v];
      return [k, `${secretsDir}/${source.slice('./.secrets/'.length)}`];
    }),
  );
}
