import { isSecretName } from './config.js';

export const REDACTED_VALUE = '[redacted]';

/**
 * A copy of a flat config fit for logging: secret-named values replaced, passwords inside URLs masked
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

/** Masks the password of each URL in a comma-separated list; other strings come back unchanged. */
export function maskUrlPassword(value: string): string {
  return value
    .split(',')
    .map((part) => part.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/?#\s]*@/i, `$1:${REDACTED_VALUE}@`))
    .join(',');
}
