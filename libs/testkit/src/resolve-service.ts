import { connect } from 'node:net';

/**
 * How tests find a backing service, in order: its environment variable, the machine's local server on its
 * standard port, a throwaway container (testcontainers, where Docker runs), else an error saying what to set.
 * Tests never skip for want of a service.
 */
export interface ServiceSource {
  readonly envVar: string;
  readonly localUrl: string;
  readonly localPort: number;
  /** Starts a container and returns its URL; throws when Docker is unavailable. */
  readonly startContainer: () => Promise<string>;
  readonly unavailable: (cause: unknown) => Error;
}

export async function resolveServiceUrl(source: ServiceSource): Promise<string> {
  const fromEnv = process.env[source.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (await portAnswers('127.0.0.1', source.localPort, 1_000)) return source.localUrl;
  try {
    return await source.startContainer();
  } catch (err) {
    throw source.unavailable(err);
  }
}

export function portAnswers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
