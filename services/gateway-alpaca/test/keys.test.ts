import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { cryptoStreamUrlOf, dataStreamUrlOf, resolveKeys, tradingUrlOf } from '../src/keys.js';

test('paper by default; live only when asked; a paper connection never reaches the live host, nor the reverse', () => {
  expect(tradingUrlOf({ paper: true })).toBe('https://paper-api.alpaca.markets');
  expect(tradingUrlOf({ paper: false })).toBe('https://api.alpaca.markets');
  expect(() => tradingUrlOf({ paper: true, tradingUrl: 'https://api.alpaca.markets' })).toThrow(/live host/);
  expect(() => tradingUrlOf({ paper: false, tradingUrl: 'https://paper-api.alpaca.markets' })).toThrow(/paper host/);
  expect(tradingUrlOf({ paper: true, tradingUrl: 'http://127.0.0.1:8788' })).toBe('http://127.0.0.1:8788');
});

test('keys from the named environment variables or a secrets file; errors name where, never a key', () => {
  const c = { keyIdEnv: 'K_ID', secretKeyEnv: 'K_SECRET' };
  expect(resolveKeys(c, { K_ID: 'id1', K_SECRET: 'sec1' })).toEqual({ keyId: 'id1', secretKey: 'sec1' });
  expect(() => resolveKeys(c, { K_ID: 'id1' })).toThrow(/K_SECRET is not set/);
  try {
    resolveKeys(c, { K_ID: 'id-visible?', K_SECRET: '' });
  } catch (err) {
    expect(String(err)).not.toContain('id-visible?');
  }
  const dir = mkdtempSync(join(tmpdir(), 'alpaca-keys-'));
  const file = join(dir, 'keys.json');
  writeFileSync(file, JSON.stringify({ keyId: 'fid', secretKey: 'fsecret' }));
  expect(resolveKeys({ ...c, secretsFile: file }, {})).toEqual({ keyId: 'fid', secretKey: 'fsecret' });
  writeFileSync(file, JSON.stringify({ keyId: 'fid' }));
  expect(() => resolveKeys({ ...c, secretsFile: file }, {})).toThrow(/needs "keyId" and "secretKey"/);
});

test("the data stream: Alpaca's stream host for Alpaca's data host, else the data host itself", () => {
  expect(dataStreamUrlOf(undefined, 'iex')).toBe('wss://stream.data.alpaca.markets/v2/iex');
  expect(dataStreamUrlOf('http://127.0.0.1:8788', 'sip')).toBe('ws://127.0.0.1:8788/v2/sip');
  expect(cryptoStreamUrlOf(undefined)).toBe('wss://stream.data.alpaca.markets/v1beta3/crypto/us');
  expect(cryptoStreamUrlOf('http://127.0.0.1:8788')).toBe('ws://127.0.0.1:8788/v1beta3/crypto/us');
});
