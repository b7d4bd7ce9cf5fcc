/**
 * Margin-style account values derived from cash and marked positions, all in micros of the base currency,
 * so every value follows from the same few sums:
 *   NetLiquidation = TotalCashValue + Σ marketValue;  EquityWithLoanValue = NetLiquidation
 *   InitMarginReq / MaintMarginReq = Σ |marketValue| × rate(secType)
 *   AvailableFunds = ELV − InitMarginReq;  ExcessLiquidity = ELV − MaintMarginReq
 *   BuyingPower = 4 × AvailableFunds (intraday Reg-T multiple; 0 when negative)
 *   Cushion = ExcessLiquidity / NetLiquidation;  Leverage = GrossPositionValue / NetLiquidation
 * SettledCash = TotalCashValue: the sim settles at trade time. A currency without a known FX rate to the
 * base is left out of the BASE sums and listed in `unconverted`.
 */
import type { InstrumentId } from '@trading-system/contracts';
import type { AccountState, PositionState } from './accounts.js';
import { formatMicros, notionalMicros, toMicros } from './money.js';
import type { FxRateToBase, QuoteSource, SecType } from './ports.js';

export interface MarginRate {
  readonly init: number;
  readonly maint: number;
}

export type MarginRates = Readonly<Record<SecType, MarginRate>>;

export const DEFAULT_MARGIN_RATES: MarginRates = {
  STK: { init: 0.25, maint: 0.25 },
  CASH: { init: 0.03, maint: 0.03 },
  FUT: { init: 0.1, maint: 0.08 },
  OPT: { init: 1, maint: 1 },
  CMDTY: { init: 0.1, maint: 0.1 },
  IND: { init: 1, maint: 1 },
};

export const BUYING_POWER_MULTIPLE = 4n;

export interface PortfolioItem {
  readonly instrumentId: InstrumentId;
  readonly symbol: string;
  readonly secType: SecType;
  readonly currency: string;
  readonly position: number;
  readonly marketPrice: number;
  readonly marketValueMicros: bigint;
  readonly averageCost: number;
  readonly unrealizedPnLMicros: bigint;
  readonly realizedPnLMicros: bigint;
}

export interface AccountSummary {
  readonly account: string;
  readonly baseCurrency: string;
  readonly netLiquidation: bigint;
  readonly totalCashValue: bigint;
  readonly settledCash: bigint;
  readonly grossPositionValue: bigint;
  readonly stockMarketValue: bigint;
  readonly initMarginReq: bigint;
  readonly maintMarginReq: bigint;
  readonly equityWithLoanValue: bigint;
  readonly availableFunds: bigint;
  readonly excessLiquidity: bigint;
  readonly buyingPower: bigint;
  readonly unrealizedPnL: bigint;
  readonly realizedPnL: bigint;
  /** Ratios as plain numbers. */
  readonly cushion: number;
  readonly leverage: number;
  /** Per-currency ledger in that currency's own units. */
  readonly ledger: ReadonlyMap<string, { cash: bigint; marketValue: bigint; unrealized: bigint; realized: bigint }>;
  readonly unconverted: readonly string[];
}

/** Marks at the quote's last price; with no quote, at the position's last fill price. */
export function portfolioItem(p: PositionState, quotes: QuoteSource, tMs: number): PortfolioItem {
  const marketPrice = quotes.quoteAt(p.instrumentId, tMs)?.last ?? p.lastFillPrice;
  const marketValue = p.qty === 0 ? 0n : notionalMicros(p.qty, marketPrice, p.multiplier);
  return {
    instrumentId: p.instrumentId,
    symbol: p.symbol,
    secType: p.secType,
    currency: p.currency,
    position: p.qty,
    marketPrice,
    marketValueMicros: marketValue,
    averageCost: p.qty === 0 ? 0 : Number(p.costBasisMicros) / 1e6 / p.qty,
    unrealizedPnLMicros: marketValue - p.costBasisMicros,
    realizedPnLMicros: p.realizedMicros,
  };
}

function scaled(micros: bigint, factor: number): bigint {
  return (micros * toMicros(factor)) / 1_000_000n;
}

type LedgerRow = { cash: bigint; marketValue: bigint; unrealized: bigint; realized: bigint };

// Module functions, not closures made per call: a backtest summarizes the account for every order's margin check.
function ledgerRow(ledger: Map<string, LedgerRow>, currency: string): LedgerRow {
  let r = ledger.get(currency);
  if (!r) {
    r = { cash: 0n, marketValue: 0n, unrealized: 0n, realized: 0n };
    ledger.set(currency, r);
  }
  return r;
}

function rateToBase(account: AccountState, currency: string, tMs: number, fx?: FxRateToBase): number | undefined {
  return currency === account.baseCurrency ? 1 : fx?.(currency, account.baseCurrency, tMs);
}

export function summarize(
  account: AccountState,
  quotes: QuoteSource,
  tMs: number,
  rates: MarginRates,
  fx?: FxRateToBase,
): AccountSummary {
  const ledger = new Map<string, LedgerRow>();
  for (const [currency, cash] of account.cash) ledgerRow(ledger, currency).cash += cash;
  let gross = 0n;
  let stocks = 0n;
  let init = 0n;
  let maint = 0n;
  const unconverted = new Set<string>();
  for (const p of account.positions.values()) {
    const item = portfolioItem(p, quotes, tMs);
    const r = ledgerRow(ledger, p.currency);
    r.marketValue += item.marketValueMicros;
    r.unrealized += item.unrealizedPnLMicros;
    r.realized += item.realizedPnLMicros;
    const rate = rateToBase(account, p.currency, tMs, fx);
    if (rate === undefined) continue;
    const abs = scaled(item.marketValueMicros < 0n ? -item.marketValueMicros : item.marketValueMicros, rate);
    gross += abs;
    if (p.secType === 'STK') stocks += scaled(item.marketValueMicros, rate);
    init += scaled(abs, rates[p.secType].init);
    maint += scaled(abs, rates[p.secType].maint);
  }
  let cash = 0n;
  let marketValue = 0n;
  let unrealized = 0n;
  let realized = 0n;
  for (const [currency, r] of ledger) {
    const rate = rateToBase(account, currency, tMs, fx);
    if (rate === undefined) {
      if (r.cash !== 0n || r.marketValue !== 0n) unconverted.add(currency);
      continue;
    }
    cash += scaled(r.cash, rate);
    marketValue += scaled(r.marketValue, rate);
    unrealized += scaled(r.unrealized, rate);
    realized += scaled(r.realized, rate);
  }
  const netLiquidation = cash + marketValue;
  const availableFunds = netLiquidation - init;
  const excessLiquidity = netLiquidation - maint;
  const nlv = Number(netLiquidation);
  return {
    account: account.id,
    baseCurrency: account.baseCurrency,
    netLiquidation,
    totalCashValue: cash,
    settledCash: cash,
    grossPositionValue: gross,
    stockMarketValue: stocks,
    initMarginReq: init,
    maintMarginReq: maint,
    equityWithLoanValue: netLiquidation,
    availableFunds,
    excessLiquidity,
    buyingPower: availableFunds > 0n ? availableFunds * BUYING_POWER_MULTIPLE : 0n,
    unrealizedPnL: unrealized,
    realizedPnL: realized,
    cushion: nlv === 0 ? 0 : Number(excessLiquidity) / nlv,
    leverage: nlv === 0 ? 0 : Number(gross) / nlv,
    ledger,
    unconverted: [...unconverted],
  };
}

/**
 * `summarize(...).availableFunds` alone, for the pre-trade margin check: the same sums in the same exact integer
 * arithmetic (so always the same value; a property test holds it to `summarize`), without the ledger map, the
 * PnL sums and the summary object. A backtest checks margin on every order, and the whole summary was most of
 * that check. Like `summarize`, it asks the quote source once per position (a quote source may be a price model
 * that advances as it is asked) and the FX rate per position and per ledger currency.
 */
export function availableFundsMicros(
  account: AccountState,
  quotes: QuoteSource,
  tMs: number,
  rates: MarginRates,
  fx?: FxRateToBase,
): bigint {
  const base = account.baseCurrency;
  let netLiquidation = 0n;
  let init = 0n;
  // Other currencies' ledger rows: summarize converts each row's cash and market value sums, not each position.
  let foreign: Map<string, LedgerRow> | undefined;
  for (const p of account.positions.values()) {
    const marketPrice = quotes.quoteAt(p.instrumentId, tMs)?.last ?? p.lastFillPrice;
    const marketValue = p.qty === 0 ? 0n : notionalMicros(p.qty, marketPrice, p.multiplier);
    const abs = marketValue < 0n ? -marketValue : marketValue;
    if (p.currency === base) {
      netLiquidation += marketValue;
      // scaled(x, 1) is x exactly: x × 1,000,000 / 1,000,000.
      init += scaled(abs, rates[p.secType].init);
      continue;
    }
    foreign ??= new Map();
    ledgerRow(foreign, p.currency).marketValue += marketValue;
    const rate = rateToBase(account, p.currency, tMs, fx);
    if (rate === undefined) continue;
    init += scaled(scaled(abs, rate), rates[p.secType].init);
  }
  for (const [currency, cash] of account.cash) {
    if (currency === base) netLiquidation += cash;
    else {
      foreign ??= new Map();
      ledgerRow(foreign, currency).cash += cash;
    }
  }
  if (foreign !== undefined)
    for (const [currency, r] of foreign) {
      const rate = rateToBase(account, currency, tMs, fx);
      if (rate === undefined) continue;
      netLiquidation += scaled(r.cash, rate) + scaled(r.marketValue, rate);
    }
  return netLiquidation - init;
}

export interface AccountValue {
  readonly account: string;
  readonly tag: string;
  readonly value: string;
  /** `""` for non-monetary tags, a currency code, or `BASE` for the base-currency ledger rows. */
  readonly currency: string;
}

/** The summary as TWS account values (reqAccountSummary tags + the per-currency ledger rows). */
export function accountValues(s: AccountSummary): AccountValue[] {
  const ccy = s.baseCurrency;
  const money = (tag: string, v: bigint, currency = ccy): AccountValue => ({
    account: s.account,
    tag,
    value: formatMicros(v),
    currency,
  });
  const plain = (tag: string, value: string): AccountValue => ({ account: s.account, tag, value, currency: '' });
  const out: AccountValue[] = [
    plain('AccountType', 'INDIVIDUAL'),
    plain('AccountCode', s.account),
    plain('AccountReady', 'true'),
    plain('Currency', ccy),
    money('NetLiquidation', s.netLiquidation),
    money('TotalCashValue', s.totalCashValue),
    money('SettledCash', s.settledCash),
    money('AccruedCash', 0n),
    money('BuyingPower', s.buyingPower),
    money('EquityWithLoanValue', s.equityWithLoanValue),
    money('GrossPositionValue', s.grossPositionValue),
    money('RegTEquity', s.equityWithLoanValue),
    money('InitMarginReq', s.initMarginReq),
    money('MaintMarginReq', s.maintMarginReq),
    money('AvailableFunds', s.availableFunds),
    money('ExcessLiquidity', s.excessLiquidity),
    money('FullInitMarginReq', s.initMarginReq),
    money('FullMaintMarginReq', s.maintMarginReq),
    money('FullAvailableFunds', s.availableFunds),
    money('FullExcessLiquidity', s.excessLiquidity),
    money('LookAheadInitMarginReq', s.initMarginReq),
    money('LookAheadMaintMarginReq', s.maintMarginReq),
    money('LookAheadAvailableFunds', s.availableFunds),
    money('LookAheadExcessLiquidity', s.excessLiquidity),
    plain('Cushion', s.cushion.toFixed(6)),
    plain('Leverage', s.leverage.toFixed(4)),
    plain('DayTradesRemaining', '-1'),
    plain('HighestSeverity', '0'),
    money('StockMarketValue', s.stockMarketValue),
    money('UnrealizedPnL', s.unrealizedPnL),
    money('RealizedPnL', s.realizedPnL),
    money('CashBalance', s.totalCashValue, 'BASE'),
    money('TotalCashBalance', s.totalCashValue, 'BASE'),
    money('NetLiquidationByCurrency', s.netLiquidation, 'BASE'),
  ];
  for (const [currency, r] of s.ledger) {
    out.push(
      money('CashBalance', r.cash, currency),
      money('TotalCashBalance', r.cash, currency),
      money('NetLiquidationByCurrency', r.cash + r.marketValue, currency),
      money('UnrealizedPnL', r.unrealized, currency),
      money('RealizedPnL', r.realized, currency),
    );
  }
  return out;
}
