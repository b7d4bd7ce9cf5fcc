/**
 * Alpaca's account and position objects from the core's cash and positions, marked at the last trade. Money is
 * computed in bigint micros and written as decimal strings.
 *
 * Margin model (Reg T, multiplier 2): stocks need 50 % initial and 25 % maintenance margin, crypto 100 % (it is
 * not marginable). buying_power = regt_buying_power = 2 × max(equity − initial_margin, 0); non_marginable_buying_power
 * (what crypto buys may spend) = max(cash − what open buy orders reserve, 0). broker.ts applies both before an order.
 */
import type { Exchange, PositionView } from '@trading-system/exchange';
import { type Asset, type AssetCatalog, positionSymbol, QTY_SCALE } from '../market/assets.js';
import { lastSessionAtOrBefore, nyDay, nyWallToMs } from '../market/calendar.js';
import type { MarketModel } from '../market/prices.js';
import { microsText, unitsText } from './decimal.js';

export interface AccountIdentity {
  readonly id: string;
  readonly accountNumber: string;
  readonly createdAtMs: number;
  /** Equity at the previous close: the sim has no overnight history, so it is the starting cash. */
  readonly lastEquityMicros: bigint;
}

/** The one account of the sim, as the exchange core names it. */
export const CORE_ACCOUNT = 'SIMACCT';

export function priceMicros(price: number): bigint {
  return BigInt(Math.round(price * 1_000_000));
}

/** units × price, micros (exact for prices with up to 2 decimals: priceMicros is a multiple of QTY_SCALE). */
export function valueMicros(units: number, price: number): bigint {
  return (BigInt(units) * priceMicros(price)) / BigInt(QTY_SCALE);
}

export interface Marks {
  readonly current: number;
  readonly lastday: number;
}

export function marksOf(model: MarketModel, asset: Asset, tMs: number): Marks {
  const current = model.lastTrade(asset, tMs).price;
  const lastdayAt =
    asset.class === 'crypto'
      ? nyWallToMs(nyDay(tMs), 0) - 1
      : lastSessionAtOrBefore(lastSessionAtOrBefore(tMs).openMs - 1).closeMs - 1;
  return { current, lastday: model.lastTrade(asset, lastdayAt).price };
}

export interface Totals {
  readonly cash: bigint;
  readonly longValue: bigint;
  readonly shortValue: bigint;
  readonly equity: bigint;
  readonly initialMargin: bigint;
  readonly maintenanceMargin: bigint;
  readonly buyingPower: bigint;
}

export function totals(exchange: Exchange, catalog: AssetCatalog, model: MarketModel, tMs: number): Totals {
  const cash = exchange.cashMicros(CORE_ACCOUNT, 'USD');
  let longValue = 0n;
  let shortValue = 0n;
  let initial = 0n;
  let maintenance = 0n;
  for (const p of exchange.positions(CORE_ACCOUNT)) {
    const asset = catalog.byIdOf(p.instrumentId);
    if (!asset || p.position === 0) continue;
    const value = valueMicros(p.position, marksOf(model, asset, tMs).current);
    if (value > 0n) longValue += value;
    else shortValue += value;
    const gross = value < 0n ? -value : value;
    initial += asset.marginable ? gross / 2n : gross;
    maintenance += asset.marginable ? gross / 4n : gross;
  }
  const equity = cash + longValue + shortValue;
  const excess = equity - initial;
  return {
    cash,
    longValue,
    shortValue,
    equity,
    initialMargin: initial,
    maintenanceMargin: maintenance,
    buyingPower: excess > 0n ? excess * 2n : 0n,
  };
}

export function accountJson(
  identity: AccountIdentity,
  t: Totals,
  nonMarginableBuyingPower: bigint,
): Record<string, unknown> {
  const money = microsText;
  return {
    id: identity.id,
    account_number: identity.accountNumber,
    status: 'ACTIVE',
    crypto_status: 'ACTIVE',
    currency: 'USD',
    buying_power: money(t.buyingPower),
    regt_buying_power: money(t.buyingPower),
    daytrading_buying_power: '0',
    effective_buying_power: money(t.buyingPower),
    non_marginable_buying_power: money(nonMarginableBuyingPower),
    options_buying_power: '0',
    bod_dtbp: '0',
    cash: money(t.cash),
    accrued_fees: '0',
    portfolio_value: money(t.equity),
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    created_at: new Date(identity.createdAtMs).toISOString(),
    trade_suspended_by_user: false,
    multiplier: '2',
    shorting_enabled: true,
    equity: money(t.equity),
    last_equity: money(identity.lastEquityMicros),
    long_market_value: money(t.longValue),
    short_market_value: money(t.shortValue),
    position_market_value: money(t.longValue - t.shortValue),
    initial_margin: money(t.initialMargin),
    maintenance_margin: money(t.maintenanceMargin),
    last_maintenance_margin: '0',
    sma: '0',
    daytrade_count: 0,
    options_approved_level: 0,
    options_trading_level: 0,
  };
}

function ratioText(numerator: bigint, denominator: bigint): string {
  if (denominator === 0n) return '0';
  // Four decimals, as Alpaca's plpc fields usually carry.
  const scaled = (numerator * 10_000n * 2n + denominator) / (2n * denominator);
  return (Number(scaled) / 10_000).toString();
}

export function positionJson(
  asset: Asset,
  p: PositionView,
  marks: Marks,
  heldForOrders: number,
): Record<string, unknown> {
  const qty = p.position;
  const market = valueMicros(qty, marks.current);
  const lastdayValue = valueMicros(qty, marks.lastday);
  // Commission-free, so the core's cost basis is exactly what was paid (negative for shorts).
  const cost = p.costBasisMicros;
  const unrealized = market - cost;
  const intraday = market - lastdayValue;
  const absCost = cost < 0n ? -cost : cost;
  const absLastday = lastdayValue < 0n ? -lastdayValue : lastdayValue;
  const avgEntry = qty === 0 ? 0n : (cost * BigInt(QTY_SCALE)) / BigInt(qty);
  return {
    asset_id: asset.id,
    symbol: positionSymbol(asset),
    exchange: asset.exchange,
    asset_class: asset.class,
    asset_marginable: asset.marginable,
    qty: unitsText(qty),
    qty_available: unitsText(qty - heldForOrders),
    avg_entry_price: microsText(avgEntry),
    side: qty < 0 ? 'short' : 'long',
    market_value: microsText(market),
    cost_basis: microsText(cost),
    unrealized_pl: microsText(unrealized),
    unrealized_plpc: ratioText(unrealized, absCost),
    unrealized_intraday_pl: microsText(intraday),
    unrealized_intraday_plpc: ratioText(intraday, absLastday),
    current_price: microsText(priceMicros(marks.current)),
    lastday_price: microsText(priceMicros(marks.lastday)),
    change_today: ratioText(priceMicros(marks.current) - priceMicros(marks.lastday), priceMicros(marks.lastday)),
  };
}
