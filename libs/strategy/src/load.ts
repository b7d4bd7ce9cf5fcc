/**
 * From a strategy file to a running instance: import the module, take its default export (a class, or an object
 * implementing `Strategy`), make a fresh instance per run, and merge the run's parameters over the defaults.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StrategyLoadError, StrategyParamError } from './errors.js';
import type { Params, ParamValue, Strategy, StrategyClass, StrategyExport } from './types.js';

const CALLBACKS = ['onStart', 'onBar', 'onQuote', 'onOrderUpdate', 'onFill', 'onTimer', 'onStop'] as const;

function isClass(value: unknown): value is StrategyClass {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/** The default export of a strategy file (or the module itself when it has none), checked. */
export async function importStrategy(file: string): Promise<StrategyExport> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new StrategyLoadError(`cannot load strategy file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const exported = mod.default ?? mod.strategy;
  if (isClass(exported)) return exported;
  if (exported !== null && typeof exported === 'object' && CALLBACKS.some((c) => c in exported))
    return exported as Strategy;
  throw new StrategyLoadError(
    `${file} does not export a strategy: export default a class or an object with onBar/onQuote/... callbacks`,
  );
}

/** A fresh strategy for one run: `new` for a class, an object inheriting from the exported one otherwise. */
export function instantiate(exported: StrategyExport): Strategy {
  return isClass(exported) ? new exported() : (Object.create(exported) as Strategy);
}

export function strategyName(strategy: Strategy, fallback: string): string {
  const name = strategy.name ?? (strategy.constructor !== Object ? strategy.constructor.name : undefined);
  return name !== undefined && name !== '' ? name : fallback;
}

/** Parses `k=v` texts into typed values following the defaults' types (numbers, booleans, strings). */
export function parseParamAssignments(assignments: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new StrategyParamError(`parameter '${a}' is not name=value`);
    out[a.slice(0, eq).trim()] = a.slice(eq + 1).trim();
  }
  return out;
}

function coerce(name: string, value: ParamValue | string, def: ParamValue): ParamValue {
  if (typeof def === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    if (typeof value === 'boolean' || !Number.isFinite(n) || (typeof value === 'string' && value.trim() === ''))
      throw new StrategyParamError(`parameter ${name} must be a number, got '${String(value)}'`);
    return n;
  }
  if (typeof def === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new StrategyParamError(`parameter ${name} must be true or false, got '${String(value)}'`);
  }
  return String(value);
}

/** Defaults overridden by `given`; a name the strategy does not declare is an error (a typo would go unnoticed). */
export function resolveParams(strategy: Strategy, given: Readonly<Record<string, ParamValue | string>>): Params {
  const defaults = strategy.params ?? {};
  const out: Record<string, ParamValue> = { ...defaults };
  for (const [name, value] of Object.entries(given)) {
    const def = defaults[name];
    if (def === undefined)
      throw new StrategyParamError(
        `unknown parameter '${name}'; the strategy declares ${Object.keys(defaults).join(', ') || 'none'}`,
      );
    out[name] = coerce(name, value, def);
  }
  return Object.freeze(out);
}
