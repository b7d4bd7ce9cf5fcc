/**
 * The connection settings of broker type `paper`: a paper broker of our own, the exchange core of libs/exchange
 * filling orders at another broker's live quotes (or a replay of its history), its books in the gateway's
 * database. Owned by services/gateway-paper, which alone reads them; published here with the other types.
 */
import { z } from 'zod';
import { AccountId, BrokerName, EpochMs } from '../common.js';

export const PaperConnectionConfig = z.object({
  /** The broker whose live quotes price the orders, and whose instruments (ids) and history it uses (`sim`). */
  quotesFrom: BrokerName,
  /** The paper account's id (default `PAPER`). */
  account: AccountId.default('PAPER'),
  /** Opening cash of a new account, USD (default 1,000,000); an account already in the books keeps its own. */
  startingCash: z.int().positive().max(1_000_000_000_000).default(1_000_000),
  /**
   * `calendar` (default): orders match only inside the instrument's trading session (extended hours with
   * outsideRth). `always`: whenever the quote source quotes (a source on its own clock, such as a replay).
   */
  marketHours: z.enum(['calendar', 'always']).default('calendar'),
  /**
   * Prices from a replay of the source's history instead of its live quotes: 1-minute bars from `fromMs` (market
   * time), played at `speed` market ms per wall ms. The replay's time is the paper market's.
   */
  replay: z.object({ fromMs: EpochMs, speed: z.number().positive().max(100_000) }).optional(),
});
export type PaperConnectionConfig = z.infer<typeof PaperConnectionConfig>;

/** The broker type (`paper`); also the default token of the gateway hosting it (its GATEWAY_TYPE). */
export const PAPER_BROKER_TYPE = 'paper';

/** A `paper` connection as addBroker carries it: the settings, tagged with their broker type. */
export const PaperBrokerConnection = PaperConnectionConfig.extend({ type: z.literal(PAPER_BROKER_TYPE) });
export type PaperBrokerConnection = z.infer<typeof PaperBrokerConnection>;

/** What a `paper` connection adds to its status and info (BrokerStatus.details, BrokerInfo.details). */
export const PaperBrokerDetails = z.object({
  type: z.literal(PAPER_BROKER_TYPE),
  /** The broker whose quotes price the orders. */
  quotesFrom: BrokerName,
  /** The paper account. */
  account: AccountId,
  /** Set when prices come from a replay of the source's history instead of its live quotes. */
  replay: z.object({ fromMs: EpochMs, speed: z.number().positive() }).optional(),
});
export type PaperBrokerDetails = z.infer<typeof PaperBrokerDetails>;
