/**
 * What a service process reads, derived from its code rather than copied by hand: its `src/main.ts` passes one
 * zod schema to `loadConfig(Schema, env)`; the schema's keys are the variables it reads, and loading the compose
 * environment through that very schema proves every required variable is set and every value valid.
 * ib-sim and alpaca-sim take flags instead, parsed by their own `load*Flags` (see flagsLoaderOf).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';

export interface EnvSchemaOf {
  /** The exported schema's name, e.g. OrdersEnv. */
  readonly name: string;
  readonly schema: z.ZodType;
  /** Every variable the schema reads. */
  readonly variables: readonly string[];
  /** Variables whose field has neither a default nor `optional` (cross-field rules are checked by loading). */
  readonly required: readonly string[];
}

/** The env schema `main.ts` loads its config with; undefined when the entry does not call loadConfig. */
export async function envSchemaOf(entryFile: string): Promise<EnvSchemaOf | undefined> {
  const source = readFileSync(entryFile, 'utf8');
  const name = /loadConfig\(\s*([A-Za-z_$][\w$]*)\s*,/.exec(source)?.[1];
  if (name === undefined) return undefined;
  const imports = [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(\.[^']+)'/g)];
  const from = imports.find((m) => (m[1] ?? '').split(',').some((n) => n.trim() === name))?.[2];
  if (from === undefined) throw new Error(`${entryFile}: loadConfig(${name}) but ${name} is not imported locally`);
  const modulePath = join(dirname(entryFile), from.replace(/\.js$/, '.ts'));
  if (!existsSync(modulePath)) throw new Error(`${entryFile}: ${modulePath} not found`);
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const schema = mod[name] as (z.ZodType & { shape?: Record<string, z.ZodType> }) | undefined;
  if (schema?.shape === undefined) throw new Error(`${modulePath}: ${name} is not a zod object schema`);
  const shape = schema.shape;
  const variables = Object.keys(shape);
  const required = variables.filter((v) => !(shape[v] as z.ZodType).safeParse(undefined).success);
  return { name, schema, variables, required };
}

/**
 * The flag loader an args-driven entry (ib-sim, alpaca-sim) parses its argv with: the `load*Flags(argv, env?)` its
 * main.ts imports from a local module (libs/runtime loadFlags: unknown flags and bad values throw FlagsError), so the
 * compose command is checked by the very code that will read it. Undefined when the entry has none.
 */
export async function flagsLoaderOf(
  entryFile: string,
): Promise<((argv: readonly string[], env: Readonly<Record<string, string>>) => unknown) | undefined> {
  const source = readFileSync(entryFile, 'utf8');
  const name = /\b(load[A-Za-z]*Flags)\(\s*process\.argv/.exec(source)?.[1];
  if (name === undefined) return undefined;
  const imports = [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(\.[^']+)'/g)];
  const from = imports.find((m) => (m[1] ?? '').split(',').some((n) => n.trim() === name))?.[2];
  if (from === undefined) throw new Error(`${entryFile}: ${name}(process.argv…) but ${name} is not imported locally`);
  const modulePath = join(dirname(entryFile), from.replace(/\.js$/, '.ts'));
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const loader = mod[name];
  if (typeof loader !== 'function') throw new Error(`${modulePath}: ${name} is not a function`);
  return loader as (argv: readonly string[], env: Readonly<Record<string, string>>) => unknown;
}

/** Whether any source file under `dir` reads process.env. */
export function readsEnvironment(files: readonly string[]): boolean {
  return files.some((f) => /process\.env\b/.test(readFileSync(f, 'utf8')));
}
