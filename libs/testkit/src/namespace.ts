/**
 * Test files run in parallel on one NATS server. Each file is its own system there: the integration project's
 * setup file (namespace-setup.ts) gives it a fresh bus namespace in BUS_NAMESPACE before the file loads, so
 *  - buses of the testkit fixtures (createTestNatsBus) carry it,
 *  - services a test starts in-process from config (loadConfig → natsConnectionSettings → openBus) carry it,
 *  - child processes inherit it with the environment (not a `clean` one: a system configured from scratch,
 *    on a NATS server of its own, has no namespace),
 *  - the SDK's NATS mode reads it like the services do,
 * and after the file its streams are deleted from the server. A test that opens a plain NATS connection uses
 * `wireSubject` / `wireStream` / `busSubject` for what it sends and reads on the wire.
 */
import { randomBytes } from 'node:crypto';

export const NAMESPACE_ENV = 'BUS_NAMESPACE';

/** A fresh namespace: `ns` + 10 hex digits, unique across processes and runs. */
export function freshNamespace(): string {
  return `ns${randomBytes(5).toString('hex')}`;
}

/** This test file's bus namespace (undefined outside the integration project's setup: no prefix). */
export function testNamespace(): string | undefined {
  const ns = process.env[NAMESPACE_ENV];
  return ns === undefined || ns === '' ? undefined : ns;
}

/** A subject as it travels on the wire for this file's buses (`<ns>.<subject>`). */
export function wireSubject(subject: string): string {
  const ns = testNamespace();
  return ns === undefined ? subject : `${ns}.${subject}`;
}

/** A stream's name on the server for this file's buses (`<ns>_<NAME>`). */
export function wireStream(name: string): string {
  const ns = testNamespace();
  return ns === undefined ? name : `${ns}_${name}`;
}

/** The subject a bus of this file sees for one read on the wire (`<ns>.` taken off). */
export function busSubject(wire: string): string {
  const ns = testNamespace();
  return ns !== undefined && wire.startsWith(`${ns}.`) ? wire.slice(ns.length + 1) : wire;
}

/** `{ BUS_NAMESPACE }` of this file, for a config or child environment built from scratch rather than process.env. */
export function namespaceEnv(): Record<string, string> {
  const ns = testNamespace();
  return ns === undefined ? {} : { [NAMESPACE_ENV]: ns };
}

/**
 * `{ namespace }` of this file for a bus or NATS connection a test builds itself (createNatsBus), so it meets the
 * child processes that inherit BUS_NAMESPACE with the environment; `{}` outside the integration setup.
 */
export function namespaceOption(): { namespace?: string } {
  const ns = testNamespace();
  return ns === undefined ? {} : { namespace: ns };
}
