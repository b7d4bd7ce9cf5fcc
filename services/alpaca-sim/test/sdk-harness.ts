/**
 * The official-SDK conformance harness: a sim serving https/wss (the JS SDK turns every data-stream URL into
 * `wss://…`) with a throwaway self-signed certificate, an `@alpacahq/alpaca-trade-api` client pointed at it, and a
 * queue that turns the SDK's callbacks into awaitable events with deadlines.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sdk from '@alpacahq/alpaca-trade-api';
import { DEFAULT_CREDENTIALS } from '../src/app.js';
import type { TlsKeyPair } from '../src/http/router.js';
import { IN_SESSION, startTestSim, type TestSim } from './helpers.js';

// The typings declare an ES default export; index.js assigns the class to module.exports, which is what Node's ESM
// loader hands out as the default import.
const Alpaca = sdk as unknown as typeof sdk.default;
export type Alpaca = InstanceType<typeof Alpaca>;

/** A certificate for 127.0.0.1 valid for a day, made by the openssl CLI; nothing of it outlives the call. */
export function throwawayCertificate(): TlsKeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'alpaca-sim-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    try {
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
          ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
        ],
        { stdio: 'ignore' },
      );
    } catch (err) {
      throw new Error('the openssl CLI made no test certificate: install it (apt-get install openssl) and rerun', {
        cause: err,
      });
    }
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SdkSim {
  readonly sim: TestSim;
  readonly alpaca: Alpaca;
  stop(): Promise<void>;
}

/**
 * Starts a TLS sim and a client of it. The SDK passes no CA to `ws` or axios, so the self-signed certificate is
 * accepted through NODE_TLS_REJECT_UNAUTHORIZED for this file's lifetime and restored by `stop()` (worker processes
 * run several files).
 */
export async function startSdkSim(startMs = IN_SESSION, startingCash?: number): Promise<SdkSim> {
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const sim = await startTestSim({ tls: throwawayCertificate(), authTimeoutMs: 5_000, startingCash }, startMs);
  const alpaca = new Alpaca({
    keyId: DEFAULT_CREDENTIALS.keyId,
    secretKey: DEFAULT_CREDENTIALS.secretKey,
    paper: true,
    baseUrl: sim.baseUrl,
    dataBaseUrl: sim.baseUrl,
    dataStreamUrl: sim.baseUrl,
    feed: 'iex',
  });
  return {
    sim,
    alpaca,
    stop: async () => {
      await sim.stop();
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    },
  };
}

/** Values pushed by SDK callbacks; `take` removes the first match, waiting for it up to a deadline. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiters: (() => void)[] = [];

  readonly push = (item: T): void => {
    this.items.push(item);
    for (const w of this.waiters.splice(0)) w();
  };

  get queued(): readonly T[] {
    return this.items;
  }

  async take(match: (item: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.items.findIndex(match);
      if (i >= 0) return this.items.splice(i, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event; queued: ${JSON.stringify(this.items).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** Everything an SDK async generator yields. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The SDK's axios errors carry Alpaca's reply: status and `{ code, message }`. */
export async function rejection(p: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    await p;
  } catch (err) {
    const response = (err as { response?: { status: number; data: unknown } }).response;
    if (!response) throw err;
    return { status: response.status, body: response.data };
  }
  throw new Error('expected the SDK call to fail');
}
