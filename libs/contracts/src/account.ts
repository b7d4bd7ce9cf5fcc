import { z } from 'zod';
import { AccountId, BrokerName, Currency, EpochMs, EventId, InstrumentId, V1 } from './common.js';
import { Price, SignedDecimal } from './decimal.js';
import { okReply } from './errors.js';
import { SecType } from './instrument.js';
import { readingLegacyConId } from './legacy-instrument-id.js';

/**
 * A position in one instrument of one account. Source: the broker (gateway-ib, `account.<broker>.*`) or the OMS
 * ledger (`orders.positions`, from fills). Quantity is signed: negative = short.
 */
export const Position = readingLegacyConId(
  'instrumentId',
  z.object({
    broker: BrokerName,
    account: AccountId,
    instrumentId: InstrumentId,
    /** Short label for humans (`AAPL`, `ESZ5`); the instrumentId is the identity. */
    symbol: z.string().max(64),
    secType: SecType,
    currency: Currency,
    /** Signed quantity: positive long, negative short, "0" flat (sent once when a position closes). */
    quantity: SignedDecimal,
    /** Average cost per unit including multiplier as the broker reports it (IB avgCost). */
    avgCost: SignedDecimal.optional(),
    marketPrice: Price.optional(),
    marketValue: SignedDecimal.optional(),
    unrealizedPnl: SignedDecimal.optional(),
    realizedPnl: SignedDecimal.optional(),
  }),
);
export type Position = z.infer<typeof Position>;

/**
 * One raw account value (IB `updateAccountValue` / `accountSummary` key): `NetLiquidation`, `TotalCashValue`,
 * `BuyingPower`, `AvailableFunds`, `ExcessLiquidity`, `MaintMarginReq`, `InitMarginReq`, `GrossPositionValue`, ...
 * `value` is a string because some keys are not numeric (`AccountType`).
 */
export const AccountValue = z.object({
  key: z.string().min(1).max(64),
  value: z.string().max(128),
  /** Currency of the value; absent for non-monetary keys. */
  currency: Currency.optional(),
});
export type AccountValue = z.infer<typeof AccountValue>;

/** Account profit and loss (IB reqPnL), in the account's base currency. */
export const AccountPnl = z.object({
  dailyPnl: SignedDecimal.optional(),
  unrealizedPnl: SignedDecimal.optional(),
  realizedPnl: SignedDecimal.optional(),
});
export type AccountPnl = z.infer<typeof AccountPnl>;

/** The main figures of an account, plus every raw value received. */
export const AccountSummary = z.object({
  broker: BrokerName,
  account: AccountId,
  /** Base currency of the account. */
  currency: Currency,
  netLiquidation: SignedDecimal.optional(),
  totalCashValue: SignedDecimal.optional(),
  buyingPower: SignedDecimal.optional(),
  availableFunds: SignedDecimal.optional(),
  excessLiquidity: SignedDecimal.optional(),
  initMarginReq: SignedDecimal.optional(),
  maintMarginReq: SignedDecimal.optional(),
  grossPositionValue: SignedDecimal.optional(),
  pnl: AccountPnl.optional(),
  values: z.array(AccountValue),
  /** When the broker last updated these values, epoch ms. */
  tsEventMs: EpochMs,
});
export type AccountSummary = z.infer<typeof AccountSummary>;

/** `account.<broker>.positions` (client → gateway-ib): positions as the broker reports them. */
export const AccountPositionsRequest = z.object({ v: V1, account: AccountId.optional() });
export type AccountPositionsRequest = z.infer<typeof AccountPositionsRequest>;
export const AccountPositionsReply = okReply({ positions: z.array(Position), tsInitMs: EpochMs });
export type AccountPositionsReply = z.infer<typeof AccountPositionsReply>;

/** `account.<broker>.summary` (client → gateway-ib): summary of one or all accounts of the broker connection. */
export const AccountSummaryRequest = z.object({ v: V1, account: AccountId.optional() });
export type AccountSummaryRequest = z.infer<typeof AccountSummaryRequest>;
export const AccountSummaryReply = okReply({ accounts: z.array(AccountSummary), tsInitMs: EpochMs });
export type AccountSummaryReply = z.infer<typeof AccountSummaryReply>;

const accountEventBase = {
  v: V1,
  eventId: EventId,
  broker: BrokerName,
  account: AccountId,
  /** Broker time of the update when known, else receipt time, epoch ms. */
  tsEventMs: EpochMs,
  /** When gateway-ib built the message, epoch ms. */
  tsInitMs: EpochMs,
};

/** `account.<broker>.evt.position` (gateway-ib → anyone, core NATS): a position changed. */
export const AccountPositionUpdated = z.object({ ...accountEventBase, position: Position });
export type AccountPositionUpdated = z.infer<typeof AccountPositionUpdated>;
/** `account.<broker>.evt.summary` (gateway-ib → anyone): account values changed (at most every few seconds). */
export const AccountSummaryUpdated = z.object({ ...accountEventBase, summary: AccountSummary });
export type AccountSummaryUpdated = z.infer<typeof AccountSummaryUpdated>;
/** `account.<broker>.evt.pnl` (gateway-ib → anyone): account PnL update. */
export const AccountPnlUpdated = z.object({ ...accountEventBase, pnl: AccountPnl });
export type AccountPnlUpdated = z.infer<typeof AccountPnlUpdated>;

export const ACCOUNT_EVENT_SCHEMAS = {
  position: AccountPositionUpdated,
  summary: AccountSummaryUpdated,
  pnl: AccountPnlUpdated,
} as const;
export type AccountEventKind = keyof typeof ACCOUNT_EVENT_SCHEMAS;
