/**
 * Where the API keys come from: a secrets file (a docker secret, JSON `{ "keyId", "secretKey" }`) when the
 * connection names one, else two environment variables named by the connection. Errors name the variable or the
 * file, never a key.
 */
import { readFileSync } from 'node:fs';
import { ContractError } from '@trading-system/contracts';
import { z } from 'zod';
import type { AlpacaKeys } from './alpaca-port.js';

const SecretsFile = z.object({ keyId: z.string().min(1), secretKey: z.string().min(1) });

export function resolveKeys(
  c: { keyIdEnv: string; secretKeyEnv: string; secretsFile?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): AlpacaKeys {
  if (c.secretsFile !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(c.secretsFile, 'utf8'));
    } catch (err) {
      throw new ContractError('VALIDATION_FAILED', `secretsFile: cannot read ${c.secretsFile} as JSON`, { cause: err });
    }
    const parsed = SecretsFile.safeParse(raw);
    if (!parsed.success)
      throw new ContractError('VALIDATION_FAILED', `secretsFile: ${c.secretsFile} needs "keyId" and "secretKey"`);
    return parsed.data;
  }
  const keyId = env[c.keyIdEnv];
  const secretKey = env[c.secretKeyEnv];
  if (keyId === undefined || keyId === '')
    throw new ContractError('VALIDATION_FAILED', `keyIdEnv: ${c.keyIdEnv} is not set in the gateway's environment`);
  if (secretKey === undefined || secretKey === '')
    throw new ContractError(
      'VALIDATION_FAILED',
      `secretKeyEnv: ${c.secretKeyEnv} is not set in the gateway's environment`,
    );
  return { keyId, secretKey };
}

export const PAPER_TRADING_URL = 'https://paper-api.alpaca.markets';
export const LIVE_TRADING_URL = 'https://api.alpaca.markets';
export const DATA_URL = 'https://data.alpaca.markets';

/**
 * The trading URL for a connection, and the paper/live guard: paper by default; a paper connection never points at
 * Alpaca's live host, a live one never at the paper host (a typo must not turn paper trading into real money).
 */
export function tradingUrlOf(c: { paper: boolean; tradingUrl?: string | undefined }): string {
  const url = c.tradingUrl ?? (c.paper ? PAPER_TRADING_URL : LIVE_TRADING_URL);
  const host = new URL(url).hostname;
  if (c.paper && host === 'api.alpaca.markets')
    throw new ContractError('VALIDATION_FAILED', 'tradingUrl: a paper connection points at the live host');
  if (!c.paper && host === 'paper-api.alpaca.markets')
    throw new ContractError(
      'VALIDATION_FAILED',
      'tradingUrl: a live connection (paper: false) points at the paper host',
    );
  return url;
}

/**
 * The market-data stream's URL: Alpaca's stream host for its own data host, else the data URL's host itself with a
 * ws scheme (alpaca-sim serves REST and streams on one port).
 */
export function dataStreamUrlOf(dataUrl: string | undefined, feed: string): string {
  return streamUrlOf(dataUrl, `/v2/${feed}`);
}

/** The crypto data stream's URL (Alpaca's one US crypto feed), found as dataStreamUrlOf finds the stocks'. */
export function cryptoStreamUrlOf(dataUrl: string | undefined): string {
  return streamUrlOf(dataUrl, '/v1beta3/crypto/us');
}

function streamUrlOf(dataUrl: string | undefined, path: string): string {
  if (dataUrl === undefined || new URL(dataUrl).hostname === 'data.alpaca.markets')
    return `wss://stream.data.alpaca.markets${path}`;
  const u = new URL(path, dataUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}
