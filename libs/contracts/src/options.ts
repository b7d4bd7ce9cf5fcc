import { z } from 'zod';
import { EpochMs, V1 } from './common.js';
import { PositiveDecimal, Price } from './decimal.js';
import { okReply } from './errors.js';
import { Exchange, Expiry, Instrument, InstrumentRef } from './instrument.js';

/**
 * Option analytics on an option's quote stream (`Tick.greeks` on `md.tick.<broker>.<instrumentId>`), as the broker
 * computes them: implied volatility and greeks of its model, and the implied volatility of the bid, ask and
 * last prices. Published by the gateway with the rest of the quote state; absent fields are not known yet.
 * Analytics, not ledger values: plain numbers. Per unit of the underlying (not multiplied by the multiplier).
 */
export const OptionGreeks = z.object({
  /** Implied volatility of the broker's model, annualised (0.25 = 25 %). */
  iv: z.number().nonnegative().optional(),
  /** Price change per 1 change of the underlying; calls 0..1, puts -1..0. */
  delta: z.number().min(-1.5).max(1.5).optional(),
  /** Delta change per 1 change of the underlying. */
  gamma: z.number().optional(),
  /** Price change for +1 volatility point (0.01). */
  vega: z.number().optional(),
  /** Price change per calendar day (negative for a long option). */
  theta: z.number().optional(),
  /** The model's value of the option. */
  modelPrice: z.number().nonnegative().optional(),
  /** Underlying price the computation used. */
  underlyingPrice: z.number().nonnegative().optional(),
  /** Present value of the dividends expected until expiry. */
  pvDividend: z.number().nonnegative().optional(),
  /** Implied volatilities of the current bid, ask and last prices. */
  bidIv: z.number().nonnegative().optional(),
  askIv: z.number().nonnegative().optional(),
  lastIv: z.number().nonnegative().optional(),
});
export type OptionGreeks = z.infer<typeof OptionGreeks>;

/** One exchange's listing of an option class: every expiry and every strike listed there. */
export const OptionChainListing = z.object({
  exchange: Exchange,
  /** Option class (`AAPL`; weeklies or adjusted options may have their own class). */
  tradingClass: z.string().min(1).max(32),
  multiplier: PositiveDecimal,
  expirations: z.array(Expiry),
  strikes: z.array(Price),
});
export type OptionChainListing = z.infer<typeof OptionChainListing>;

/**
 * The option chain of an underlying: listings per exchange plus the union of expirations and strikes. Not every
 * (expiry, strike) pair exists; qualify `{ secType: 'OPT', symbol, expiry, strike, right, exchange }` to get the
 * contract of one (see README "Options").
 */
export const OptionChain = z.object({
  /** The qualified underlying. */
  underlying: Instrument,
  /** Every expiry of any listing, ascending. */
  expirations: z.array(Expiry),
  /** Every strike of any listing, ascending. */
  strikes: z.array(Price),
  listings: z.array(OptionChainListing),
  /** When the broker answered, epoch ms (chains are cached; a cached chain keeps its time). */
  tsMs: EpochMs,
});
export type OptionChain = z.infer<typeof OptionChain>;

/** `optionChain` (broker command): the chain of an underlying (IB reqSecDefOptParams); cached per underlying. */
export const OptionChainRequest = z.object({
  v: V1,
  underlying: InstrumentRef,
  /** Only this exchange's listings (default every exchange). */
  exchange: Exchange.optional(),
});
export type OptionChainRequest = z.infer<typeof OptionChainRequest>;
export const OptionChainReply = okReply({ chain: OptionChain });
export type OptionChainReply = z.infer<typeof OptionChainReply>;
