/**
 * The connection settings of broker type `alpaca`: Alpaca's Trading API v2 and Market Data API v2 (or alpaca-sim,
 * which speaks the same protocols). Owned by services/gateway-alpaca, which alone reads them; published here with
 * the other types. The API keys are never part of these settings: they name where the gateway finds the keys (its
 * environment or a secrets file on its host), so no key ever travels on the bus or appears in a reply.
 */
import { z } from 'zod';

/** An environment variable's name (where the gateway reads a key from). */
const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name, e.g. ALPACA_API_KEY_ID');

export const AlpacaConnectionConfig = z.object({
  /**
   * Paper (default) or live. Live must be asked for explicitly: `paper: false`; the gateway refuses a paper
   * connection whose trading URL is Alpaca's live host, and a live one pointing at the paper host.
   */
  paper: z.boolean().default(true),
  /** Trading API base URL; default Alpaca's paper or live host by `paper` (alpaca-sim: `http://127.0.0.1:8788`). */
  tradingUrl: z.url().optional(),
  /** Market Data API base URL; default `https://data.alpaca.markets`. */
  dataUrl: z.url().optional(),
  /** Market-data feed of the stream and the bars: `iex` (free plans) or `sip` (default iex). */
  feed: z.enum(['iex', 'sip']).default('iex'),
  /** Environment variables holding the key id and the secret key (defaults ALPACA_API_KEY_ID / ALPACA_API_SECRET_KEY). */
  keyIdEnv: EnvName.default('ALPACA_API_KEY_ID'),
  secretKeyEnv: EnvName.default('ALPACA_API_SECRET_KEY'),
  /**
   * A JSON file on the gateway's host `{ "keyId": "…", "secretKey": "…" }` (a docker secret); when set it is read
   * instead of the environment.
   */
  secretsFile: z.string().min(1).max(1024).optional(),
  /** REST requests per minute the gateway allows itself (Alpaca's default limit is 200 per key). */
  maxRequestsPerMinute: z.int().min(1).max(10_000).default(200),
});
export type AlpacaConnectionConfig = z.infer<typeof AlpacaConnectionConfig>;

/** The broker type (`alpaca`); also the default token of the gateway hosting it (its GATEWAY_TYPE). */
export const ALPACA_BROKER_TYPE = 'alpaca';

/** An `alpaca` connection as addBroker carries it: the settings, tagged with their broker type. */
export const AlpacaBrokerConnection = AlpacaConnectionConfig.extend({ type: z.literal(ALPACA_BROKER_TYPE) });
export type AlpacaBrokerConnection = z.infer<typeof AlpacaBrokerConnection>;

/** What an `alpaca` connection adds to its status and info (BrokerStatus.details, BrokerInfo.details). */
export const AlpacaBrokerDetails = z.object({
  type: z.literal(ALPACA_BROKER_TYPE),
  /** The market-data feed the connection uses. */
  feed: z.enum(['iex', 'sip']),
});
export type AlpacaBrokerDetails = z.infer<typeof AlpacaBrokerDetails>;
