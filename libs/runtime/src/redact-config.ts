/**
 * Keeping secrets out of logs and messages: which config values are secret, how URLs are masked, and the list of
 * secret values the logger masks wherever they appear (secretValues).
 */
import { readFileSync } from 'node:fs';
import { isSecretName } from './config.js';

export const REDACTED_VALUE = '[redacted]';

/**
 * A copy of a flat config fit for logging: secret-named values replaced, credentials inside URLs masked
 * (postgres://app:hunter2@db/x → postgres://app:[redacted]@db/x). Unset values are kept as undefined.
 */
export function redactConfig(config: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) out[key] = undefined;
    else if (isSecretName(key)) out[key] = REDACTED_VALUE;
    else if (typeof value === 'string') out[key] = maskUrlPassword(value);
    else out[key] = value;
  }
  return out;
}

/** Schemes where a user name without password is itself the credential (a NATS token: nats://s3cret@host). */
const TOKEN_SCHEMES = /^(nats|tls|ws|wss)$/i;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#]*)@/gi;
const SECRET_QUERY = /([?&](?:password|pass|passwd|sslpassword|token|secret)=)([^&#\s]*)/gi;

/**
 * Masks credentials of every URL inside `value` (a URL list, or any text such as an error message): the password
 * of `user:password@`, a NATS token `token@`, and password/token query parameters. Other text is unchanged.
 */
export function maskUrlPassword(value: string): string {
  return value
    .replace(URL_USERINFO, (_all, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      if (colon >= 0) return `${scheme}://${userinfo.slice(0, colon)}:${REDACTED_VALUE}@`;
      return TOKEN_SCHEMES.test(scheme) ? `${scheme}://${REDACTED_VALUE}@` : `${scheme}://${userinfo}@`;
    })
    .replace(SECRET_QUERY, `$1${REDACTED_VALUE}`);
}

/**
 * A value fit to echo in a configuration error. A malformed URL may not be recognisable as one, so anything before
 * the last `@` (after a scheme, when there is one) is masked whole.
 */
export function maskForEcho(value: string): string {
  const masked = maskUrlPassword(value);
  if (!masked.includes('@')) return masked;
  return masked.replace(/^([a-z][a-z0-9+.-]*:\/*)?.*@/i, `$1${REDACTED_VALUE}@`);
}

/**
 * Every secret value a config holds, for the logger to mask wherever it appears: secret-named variables, the
 * credentials inside URLs (raw and percent-decoded), and the contents of secret files (`*_FILE` variables whose
 * name without `_FILE` is a secret name, e.g. NATS_NKEY_SEED_FILE, DATABASE_PASSWORD_FILE, NATS_CREDS_FILE).
 */
export function secretValues(config: object): string[] {
  const found = new Set<string>();
  const add = (s: string | undefined): void => {
    if (s === undefined || s === '') return;
    found.add(s);
    try {
      found.add(decodeURIComponent(s));
    } catch {
      // not percent-encoded: the raw form is enough
    }
  };
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') continue;
    if (isSecretName(key)) add(value);
    for (const m of value.matchAll(URL_USERINFO)) {
      const [, scheme = '', userinfo = ''] = m;
      const colon = userinfo.indexOf(':');
      if (colon >= 0) add(userinfo.slice(colon + 1));
      else if (TOKEN_SCHEMES.test(scheme)) add(userinfo);
    }
    for (const m of value.matchAll(SECRET_QUERY)) add(m[2]);
    if (key.endsWith('_FILE') && isSecretName(key.slice(0, -'_FILE'.length))) {
      for (const s of secretFileValues(value)) add(s);
    }
  }
  return [...found];
}

function secretFileValues(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return []; // the config check reports a missing file; nothing to mask
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    // Key material is one word per line (a seed, a JWT, a password); the prose and markers of a .creds file are not.
    .filter((l) => l !== '' && !/\s/.test(l) && !l.startsWith('-----') && !l.startsWith('*'));
  return [text.trim(), ...lines];
}
