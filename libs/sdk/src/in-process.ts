/**
 * The port through which the SDK runs a whole system inside this process (its default without NATS_URL). The SDK
 * is a library and imports no service: it names what it needs of such a system here, and the system's composition
 * (services/embedded, which starts every service on an in-process bus and PGlite) implements it. `open()` takes a
 * runtime (`OpenOptions.runtime`); without one it loads the default runtime's package at run time, so a client of a
 * deployed system (NATS_URL) never loads the services' code, and a program may bring a runtime of its own.
 */
import type { Bus } from '@trading-system/bus';
import type { Logger, LogLevel } from '@trading-system/runtime';

/** What the SDK uses of a system running in this process. */
export interface InProcessSystem {
  readonly bus: Bus;
  /** The broker orders go to when a call names none (`sim` by default). */
  readonly broker: string;
  /** Gateway tokens of `gateway.<token>.cmd.*` per broker type this system hosts. */
  readonly gatewayType: string;
  readonly paperGatewayType: string;
  readonly alpacaGatewayType: string;
  /** The built-in paper broker's address, when it runs one (ib-sim). */
  readonly sim: { readonly host: string; readonly port: number } | undefined;
  /** Lines telling a person where things are. */
  describe(): string[];
  stop(): Promise<void>;
}

/** How the SDK asks for a system: the environment and the few settings of `OpenOptions.embedded`. */
export interface InProcessStart {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly logLevel: LogLevel;
  readonly defaultBroker?: string;
  readonly simPort?: number | string;
  readonly pgliteDataDir?: string;
  readonly databaseUrl?: string;
}

/** Starts a system in this process. Errors carry registry codes (BROKER_UNREACHABLE, ...). */
export interface InProcessRuntime {
  start(options: InProcessStart): Promise<InProcessSystem>;
}

/** The package whose `inProcessRuntime` export is the default runtime, loaded only when a system is started. */
const DEFAULT_RUNTIME_PACKAGE = '@trading-system/embedded';

export async function defaultRuntime(): Promise<InProcessRuntime> {
  let loaded: { inProcessRuntime?: InProcessRuntime };
  try {
    loaded = (await import(DEFAULT_RUNTIME_PACKAGE)) as { inProcessRuntime?: InProcessRuntime };
  } catch (err) {
    throw new Error(
      `no NATS_URL, and the in-process system (${DEFAULT_RUNTIME_PACKAGE}) could not be loaded: set NATS_URL to a ` +
        'running system, or install the whole workspace (npm ci)',
      { cause: err },
    );
  }
  if (loaded.inProcessRuntime === undefined)
    throw new Error(`${DEFAULT_RUNTIME_PACKAGE} exports no inProcessRuntime: its version does not match this SDK's`);
  return loaded.inProcessRuntime;
}
