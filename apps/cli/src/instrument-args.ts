/** The contract flags shared by history, quote, watch and order: a symbol alone means a US stock on SMART. */
import type { ParseArgsOptionsConfig } from 'node:util';
import type { InstrumentRef } from '@trading-system/contracts';
import { SecType } from '@trading-system/contracts';
import { type ContractOptions, toInstrumentRef } from '@trading-system/sdk';
import { oneOf } from './args.js';

export const INSTRUMENT_OPTIONS = {
  exchange: { type: 'string' },
  'sec-type': { type: 'string' },
  currency: { type: 'string' },
  expiry: { type: 'string' },
  strike: { type: 'string' },
  right: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export const INSTRUMENT_HELP = `Contract flags:
  --exchange X     routing exchange (default SMART; IDEALPRO for --sec-type CASH)
  --sec-type T     STK (default), CASH, FUT, OPT, CMDTY, IND
  --currency C     default USD
  --expiry YYYYMM  futures and options; --strike P and --right C|P for options`;

export interface InstrumentValues {
  readonly exchange?: string | undefined;
  readonly 'sec-type'?: string | undefined;
  readonly currency?: string | undefined;
  readonly expiry?: string | undefined;
  readonly strike?: string | undefined;
  readonly right?: string | undefined;
}

export function contractOptions(v: InstrumentValues): ContractOptions {
  return {
    ...(v['sec-type'] === undefined ? {} : { secType: oneOf(v['sec-type'], SecType.options, 'sec-type') }),
    ...(v.currency === undefined ? {} : { currency: v.currency.toUpperCase() }),
    ...(v.expiry === undefined ? {} : { expiry: v.expiry }),
    ...(v.strike === undefined ? {} : { strike: v.strike }),
    ...(v.right === undefined ? {} : { right: oneOf(v.right, ['C', 'P'] as const, 'right') }),
  };
}

/** Symbol + flags → the instrument reference the services qualify. */
export function instrumentFrom(symbol: string, v: InstrumentValues): InstrumentRef {
  return toInstrumentRef(symbol.toUpperCase(), v.exchange, contractOptions(v));
}
