/**
 * alpaca-sim's command line, validated once and frozen like the services' environment (libs/runtime loadFlags):
 * every flag's default and meaning is here, and USAGE is what `--help` prints.
 */
import { readFileSync } from 'node:fs';
import type { ParseArgsOptionsConfig } from 'node:util';
import { type DeepReadonly, type Env, FlagsError, flagValues, loadFlags } from '@trading-system/runtime';
import { z } from 'zod';

export const USAGE = `alpaca-sim: a local peer speaking Alpaca's Trading API v2, Market Data API v2 and their streams.
It never contacts Alpaca. REST, /stream (trading) and /v2/iex|sip, /v1beta3/crypto/us (data) share one port.

usage: npm run alpaca-sim -- [flags]
  --port N             TCP port (default 8788)                  --host H          address (default 127.0.0.1)
  --key-id K           accepted APCA-API-KEY-ID (env ALPACA_SIM_KEY_ID, default SIMKEY)
  --secret-key S       accepted APCA-API-SECRET-KEY (env ALPACA_SIM_SECRET_KEY, default SIMSECRET)
  --keys-file F        both from a JSON file {"keyId","secretKey"} (a docker secret; gateway-alpaca's format)
  --seed N             price paths (default 1)                  --starting-cash N opening cash (default 100000)
  --time-scale X       simulated time runs X times faster       --start ISO       simulated start instant
  --rate-limit N       requests per minute per key (default 200)
  --tick-ms N          wall ms between matching steps and data pushes (default 250)
  --control-port N     HTTP control surface (0: a free port)    --log-level L     pino level (default info)
  --tls-cert F --tls-key F   serve https/wss with this PEM pair (Alpaca's JS SDK opens stock data only as wss://)
  --help               this text
`;

const STRING = { type: 'string' } as const;

const OPTIONS = {
  port: STRING,
  host: STRING,
  'key-id': STRING,
  'secret-key': STRING,
  'keys-file': STRING,
  seed: STRING,
  'starting-cash': STRING,
  'time-scale': STRING,
  start: STRING,
  'rate-limit': STRING,
  'tick-ms': STRING,
  'control-port': STRING,
  'log-level': STRING,
  'tls-cert': STRING,
  'tls-key': STRING,
} as const satisfies ParseArgsOptionsConfig;

/** The flags' schema; the credentials default to ALPACA_SIM_KEY_ID / ALPACA_SIM_SECRET_KEY of `env`. */
export function alpacaSimFlags(env: Env) {
  return z.object({
    help: z.boolean().default(false),
    port: flagValues.port().default(8788).describe('a TCP port, 0 for any free one'),
    host: z.string().min(1).default('127.0.0.1').describe('an address to listen on'),
    'key-id': z
      .string()
      .min(1)
      .default(env.ALPACA_SIM_KEY_ID || 'SIMKEY')
      .describe('the key id clients send'),
    'secret-key': z
      .string()
      .min(1)
      .default(env.ALPACA_SIM_SECRET_KEY || 'SIMSECRET')
      .describe('the secret key clients send'),
    'keys-file': z.string().min(1).optional().describe('a JSON file {"keyId","secretKey"}'),
    seed: flagValues.integer().default(1).describe('a whole number'),
    'starting-cash': flagValues.number({ min: 0 }).default(100_000).describe('an amount of cash, 0 or more'),
    'time-scale': flagValues.number({ min: Number.MIN_VALUE }).default(1).describe('a factor above 0, e.g. 60'),
    start: flagValues.instant().optional().describe('an ISO date-time, e.g. 2026-03-03T14:30:00Z'),
    'rate-limit': flagValues.integer({ min: 1 }).default(200).describe('requests per minute, 1 or more'),
    'tick-ms': flagValues.integer({ min: 1 }).default(250).describe('milliseconds, 1 or more'),
    'control-port': flagValues.port().optional().describe('a TCP port, 0 for any free one'),
    'log-level': flagValues
      .logLevel()
      .default('info')
      .describe('a pino level: fatal, error, warn, info, debug, trace, silent'),
    'tls-cert': z.string().min(1).optional().describe('a PEM certificate file'),
    'tls-key': z.string().min(1).optional().describe('a PEM private key file'),
  });
}
export type AlpacaSimFlags = DeepReadonly<z.output<ReturnType<typeof alpacaSimFlags>>>;

/** Parses and validates alpaca-sim's flags; throws FlagsError naming the flag and what it expects. */
export function loadAlpacaSimFlags(argv: readonly string[], env: Env): AlpacaSimFlags {
  return loadFlags(alpacaSimFlags(env), OPTIONS, argv);
}

/**
 * The https/wss key pair of --tls-cert and --tls-key, or undefined for plain http/ws. Both or neither; a file that
 * cannot be read is refused by name (never quoting it: it holds a private key).
 */
export function alpacaSimTls(flags: AlpacaSimFlags): { cert: Buffer; key: Buffer } | undefined {
  const certPath = flags['tls-cert'];
  const keyPath = flags['tls-key'];
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined)
    throw new FlagsError(['--tls-cert and --tls-key go together: give both, or neither for plain http']);
  const read = (flag: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch {
      throw new FlagsError([`${flag}: cannot read ${path}`]);
    }
  };
  return { cert: read('--tls-cert', certPath), key: read('--tls-key', keyPath) };
}

/**
 * The keys the simulator accepts: those of --keys-file when given (so compose mounts one secret file for both the
 * simulator and gateway-alpaca and no key is on a command line), else --key-id / --secret-key or their defaults.
 */
export function alpacaSimCredentials(flags: AlpacaSimFlags): { keyId: string; secretKey: string } {
  const path = flags['keys-file'];
  if (path === undefined) return { keyId: flags['key-id'], secretKey: flags['secret-key'] };
  let parsed: { keyId?: unknown; secretKey?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch {
    // Not the parser's message: it quotes the file's text, the keys.
    throw new FlagsError([`--keys-file: cannot read ${path} as JSON`]);
  }
  if (typeof parsed.keyId !== 'string' || parsed.keyId === '' || typeof parsed.secretKey !== 'string')
    throw new FlagsError([`--keys-file: ${path} needs "keyId" and "secretKey"`]);
  return { keyId: parsed.keyId, secretKey: parsed.secretKey };
}
