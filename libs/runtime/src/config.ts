/**
 * Configuration from the environment: parsed once with zod, every problem reported, the result deep-frozen.
 * Build a service schema from the shared fragments (config-shapes.ts), e.g.
 *
 *   const Config = z.object({ ...logConfigShape, ...natsConfigShape, ...databaseConfigShape })
 *     .superRefine(checkNatsConfig);
 *   const config = loadConfig(Config);
 */
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { maskForEcho } from './redact-config.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends Date
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Parses `env` with `schema`; throws ConfigError listing every issue; returns a deep-frozen value. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): DeepReadonly<z.output<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => toConfigIssue(schema, issue, env)));
  }
  return deepFreeze(result.data) as DeepReadonly<z.output<S>>;
}

function toConfigIssue(schema: z.ZodType, issue: z.core.$ZodIssue, env: Env): ConfigIssue {
  const key = issue.path[0];
  const variable = typeof key === 'string' ? key : '(config)';
  const raw = typeof key === 'string' ? env[key] : undefined;
  const problem =
    issue.code === 'invalid_type' && (raw === undefined || raw === '')
      ? 'is required but not set'
      : raw === undefined || isSecretName(variable)
        ? issue.message
        : `${issue.message} (got "${maskForEcho(raw)}")`;
  return { variable, problem, hint: typeof key === 'string' ? describeField(schema, key) : undefined };
}

function describeField(schema: z.ZodType, key: string): string | undefined {
  const shape = (schema as { shape?: Record<string, z.ZodType | undefined> }).shape;
  return shape?.[key]?.description;
}

/** Names whose values must never be echoed in messages or logs. */
export function isSecretName(name: string): boolean {
  return /PASSWORD|PASS$|TOKEN|SECRET|SEED|KEY$|CREDS/i.test(name) && !/_FILE$|TLS_KEY$/.test(name);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const nested of Object.values(value)) deepFreeze(nested);
    Object.freeze(value);
  }
  return value;
}
