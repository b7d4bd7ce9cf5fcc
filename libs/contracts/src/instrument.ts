import { z } from 'zod';
import { Currency, InstrumentId } from './common.js';
import { BrokerPositiveDecimal, OrderPrice, PositiveDecimal, Price } from './decimal.js';
import { readingLegacyConId } from './legacy-instrument-id.js';

/** Security types we trade or quote (IB `secType`). */
export const SecType = z.enum(['STK', 'CASH', 'FUT', 'OPT', 'CMDTY', 'IND', 'CRYPTO']).meta({
  description:
    'STK stock/ETF, CASH forex pair, FUT future, OPT option, CMDTY commodity (spot metal), IND index, ' +
    'CRYPTO crypto pair (Alpaca: symbol BTC/USD, traded around the clock, fractional)',
});
export type SecType = z.infer<typeof SecType>;

export const OptionRight = z.enum(['C', 'P']).meta({ description: 'Option right: C call, P put' });
export type OptionRight = z.infer<typeof OptionRight>;

function validDate(s: string): boolean {
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Expiry / last trade date `YYYYMMDD` (a real calendar date), as IB's lastTradeDateOrContractMonth. */
export const Expiry = z
  .string()
  .regex(/^\d{8}$/, 'expiry must be YYYYMMDD')
  .refine(validDate, 'expiry is not a calendar date')
  .meta({ description: 'Expiry date YYYYMMDD (exchange local date)' });
/** In a partial description a contract month `YYYYMM` is also accepted (IB resolves the exact date). */
export const ExpiryOrMonth = z
  .string()
  .regex(/^\d{6}(\d{2})?$/, 'expiry must be YYYYMMDD or contract month YYYYMM')
  .refine((s) => validDate(s.length === 6 ? `${s}01` : s), 'expiry is not a calendar date')
  .meta({ description: 'Expiry YYYYMMDD, or contract month YYYYMM' });

/** Exchange or routing destination as IB names it (`SMART`, `NASDAQ`, `IDEALPRO`, `CME`, `GLOBEX`). */
export const Exchange = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,32}$/)
  .meta({ description: 'Exchange / route as IB names it, e.g. "SMART", "NASDAQ", "IDEALPRO", "CME"' });

/*
 * Names in requests are normalized, never guessed: surrounding whitespace is trimmed and, where IB's names are
 * upper-case (symbols, exchanges, currencies), letters are upper-cased, so `'aapl'`, `'AAPL '` and `'AAPL'` are
 * one instrument everywhere after the boundary (qualification, the ledger, idempotency hashes, filters). What is
 * still malformed after that (control characters, inner runs of spaces, a wrong length) is refused with
 * VALIDATION_FAILED naming the field. Exchange-local spellings keep their case in `localSymbol` (trimmed only).
 * Broker output (`Instrument`) is taken as the broker writes it.
 */
const PRINTABLE_WORDS = /^[!-~]+( [!-~]+)*$/;
const PRINTABLE = /^[!-~]([ -~]*[!-~])?$/;

/** An instrument symbol in a request: trimmed, upper-cased, printable ASCII words with single spaces (`BRK B`). */
export const SymbolName = z
  .string()
  .trim()
  .toUpperCase()
  .min(1)
  .max(32)
  .regex(PRINTABLE_WORDS, 'symbol must be printable ASCII words separated by single spaces, e.g. "AAPL" or "BRK B"')
  .meta({ description: 'Symbol, e.g. "AAPL" (trimmed and upper-cased: "aapl " is AAPL)' });
/** An exchange-local symbol in a request: trimmed only (OCC option symbols have inner double spaces). */
export const LocalSymbolName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(PRINTABLE, 'localSymbol must be printable ASCII')
  .meta({ description: 'Exchange-local symbol, e.g. "ESZ5" or "AAPL  251219C00200000" (trimmed)' });
/** An exchange in a request: trimmed and upper-cased (`smart` is SMART). */
export const RequestedExchange = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9_.-]{1,32}$/, 'exchange must be 1..32 of A-Z 0-9 _ . - (e.g. "SMART", "NASDAQ")')
  .meta({ description: 'Exchange / route, e.g. "SMART" (trimmed and upper-cased)' });
/** A currency in a request: trimmed and upper-cased (`usd` is USD). */
export const RequestedCurrency = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3,4}$/, 'currency must be a 3-letter ISO code, e.g. "USD"')
  .meta({ description: 'Currency code, e.g. "USD" (trimmed and upper-cased)' });

/**
 * A fully qualified instrument (the broker's contract details), as returned by `qualifyContract` and cached by
 * services. Published by the gateways; consumed by every service that needs tick size, multiplier or trading hours.
 * Reads a record written before instrument ids (integer `conId`) as the id its decimal string is.
 */
export const Instrument = readingLegacyConId(
  'id',
  z
    .object({
      /** The instrument's identity and subject token, assigned by the gateway that qualified it (InstrumentId). */
      id: InstrumentId,
      secType: SecType,
      /** Underlying symbol (`AAPL`, `EUR` for EUR.USD, `ES`). */
      symbol: z.string().min(1).max(32),
      /** Exchange-local symbol (`AAPL`, `EUR.USD`, `ESZ5`, `AAPL  251219C00200000`). */
      localSymbol: z.string().min(1).max(64),
      /** Exchange the contract was qualified on (`SMART` for routed stocks). */
      exchange: Exchange,
      /** Listing exchange of a SMART-routed stock (`NASDAQ`); resolves ambiguity between listings. */
      primaryExchange: Exchange.optional(),
      currency: Currency,
      /** FUT/OPT: last trade date YYYYMMDD. */
      expiry: Expiry.optional(),
      /** OPT: strike price. */
      strike: Price.optional(),
      /** OPT: call or put. */
      right: OptionRight.optional(),
      /** FUT/OPT: contract multiplier (`"50"` for ES, `"100"` for equity options); absent means 1. */
      multiplier: PositiveDecimal.optional(),
      /** Minimum price increment; order prices must be a whole multiple of it (PRICE_NOT_ON_TICK). */
      minTick: PositiveDecimal,
      /** Smallest order quantity the broker accepts (IB ContractDetails.minSize), when the broker says. */
      minSize: PositiveDecimal.optional(),
      /** Order quantities must be a whole multiple of it (IB ContractDetails.sizeIncrement), when the broker says. */
      sizeIncrement: PositiveDecimal.optional(),
      /** IB trading class (`ES`, `NMS`); distinguishes e.g. weekly from monthly options. */
      tradingClass: z.string().max(32).optional(),
      /** IANA time zone of the trading hours (`America/New_York`). */
      timeZone: z.string().max(64).optional(),
      /** Human-readable name (`APPLE INC`). */
      longName: z.string().max(256).optional(),
    })
    .check((ctx) => {
      const i = ctx.value;
      const need = (field: keyof typeof i, when: string) => {
        if (i[field] === undefined)
          ctx.issues.push({ code: 'custom', message: `${field} is required for ${when}`, input: i, path: [field] });
      };
      if (i.secType === 'OPT') {
        need('expiry', 'OPT');
        need('strike', 'OPT');
        need('right', 'OPT');
      }
      if (i.secType === 'FUT') need('expiry', 'FUT');
    }),
);
export type Instrument = z.infer<typeof Instrument>;

/**
 * An instrument by its id (fastest; no qualification round trip). A request written before instrument ids
 * (`{ conId }`) reads as the id its decimal string is.
 */
export const InstrumentById = readingLegacyConId(
  'id',
  z.object({
    id: InstrumentId,
    /** Routing exchange for orders/market data (default: the instrument's own, `SMART` for stocks). */
    exchange: RequestedExchange.optional(),
  }),
);
export type InstrumentById = z.infer<typeof InstrumentById>;

/**
 * A partial description to qualify (IB `reqContractDetails`): `{ secType: 'STK', symbol: 'AAPL' }` is enough for
 * an unambiguous stock; options and futures need expiry (and strike/right). Ambiguity → CONTRACT_AMBIGUOUS with
 * the candidates in `details.candidates`.
 */
export const InstrumentDescription = z.object({
  secType: SecType,
  symbol: SymbolName,
  exchange: RequestedExchange.optional(),
  primaryExchange: RequestedExchange.optional(),
  currency: RequestedCurrency.optional(),
  localSymbol: LocalSymbolName.optional(),
  expiry: ExpiryOrMonth.optional(),
  /** Goes to the broker as a double: at most 15 significant digits. */
  strike: OrderPrice.optional(),
  right: OptionRight.optional(),
  multiplier: BrokerPositiveDecimal.optional(),
  tradingClass: z.string().trim().min(1).max(32).regex(PRINTABLE, 'tradingClass must be printable ASCII').optional(),
});
export type InstrumentDescription = z.infer<typeof InstrumentDescription>;

/** What requests name an instrument with: an instrument id, or a description the receiver qualifies first. */
export const InstrumentRef = z.union([InstrumentById, InstrumentDescription]).meta({
  description: 'Instrument reference: { id } or a partial description { secType, symbol, ... } to qualify',
});
export type InstrumentRef = z.infer<typeof InstrumentRef>;

export function isIdRef(ref: InstrumentRef): ref is InstrumentById {
  return 'id' in ref;
}

/** Short human label for logs and docs (`AAPL STK SMART`, `ESZ5 FUT CME`). */
export function instrumentLabel(i: Instrument | InstrumentRef): string {
  if ('localSymbol' in i && i.localSymbol !== undefined && 'secType' in i) return `${i.localSymbol} ${i.secType}`;
  if ('symbol' in i) return `${i.symbol} ${i.secType}${i.exchange ? ` ${i.exchange}` : ''}`;
  return `instrument ${i.id}`;
}
