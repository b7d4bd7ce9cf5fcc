/**
 * Cash and positions per account, booked from fills in integer micros.
 *
 * Cost basis: AVERAGE COST, as IB reports positions. A position's cost basis is the signed money paid to open
 * it, commissions included (negative for shorts: proceeds net of commission), so `avgCost = basis / qty` is
 * IB's averageCost (per share, or per contract including the multiplier). Closing quantity releases the
 * basis pro rata; realised PnL = closing proceeds net of commission − released basis. Every fill moves
 * qty × price × multiplier (+ commission) of the trade currency, for every security type (futures are booked
 * by notional, a simplification of daily variation margin). Hence, exactly:
 *   cash − start = Σ realised − Σ basis,   NetLiquidation − start = Σ realised + Σ unrealised.
 */
import type { InstrumentId } from '@trading-system/contracts';
import { ExchangeStateError } from './errors.js';
import { notionalMicros } from './money.js';
import type { InstrumentSpec, SecType } from './ports.js';

export interface AccountConfig {
  /** IB account code, e.g. `DU1234567` (paper accounts start with `DU`). */
  readonly id: string;
  /** Currency of the BASE rows of the summary; default USD. */
  readonly baseCurrency?: string;
  /** Opening cash per currency; default 1,000,000 of the base currency. */
  readonly startingCash?: Readonly<Record<string, number>>;
}

export interface PositionState {
  readonly instrumentId: InstrumentId;
  readonly symbol: string;
  readonly secType: SecType;
  readonly currency: string;
  readonly exchange: string;
  readonly multiplier: number;
  /** Signed: > 0 long, < 0 short. */
  qty: number;
  costBasisMicros: bigint;
  realizedMicros: bigint;
  /** Mark of last resort when the quote source has no quote. */
  lastFillPrice: number;
}

export interface AccountState {
  readonly id: string;
  readonly baseCurrency: string;
  readonly cash: Map<string, bigint>;
  readonly positions: Map<InstrumentId, PositionState>;
}

export interface PositionView {
  readonly account: string;
  readonly instrumentId: InstrumentId;
  readonly symbol: string;
  readonly secType: SecType;
  readonly currency: string;
  readonly exchange: string;
  readonly multiplier: number;
  readonly position: number;
  /** IB averageCost: basis / qty, commissions and multiplier included; 0 when flat. */
  readonly avgCost: number;
  readonly costBasisMicros: bigint;
  readonly realizedPnLMicros: bigint;
}

export interface FillBooking {
  /** Realised PnL of this fill (micros), undefined for a purely opening fill (IB then sends "max"). */
  readonly realizedMicros: bigint | undefined;
  readonly position: PositionView;
}

export function positionView(account: string, p: PositionState): PositionView {
  return {
    account,
    instrumentId: p.instrumentId,
    symbol: p.symbol,
    secType: p.secType,
    currency: p.currency,
    exchange: p.exchange,
    multiplier: p.multiplier,
    position: p.qty,
    avgCost: p.qty === 0 ? 0 : Number(p.costBasisMicros) / 1_000_000 / p.qty,
    costBasisMicros: p.costBasisMicros,
    realizedPnLMicros: p.realizedMicros,
  };
}

export const DEFAULT_ACCOUNTS: readonly AccountConfig[] = [{ id: 'DU1234567' }];

export function openAccount(config: AccountConfig): AccountState {
  const baseCurrency = config.baseCurrency ?? 'USD';
  const start = config.startingCash ?? { [baseCurrency]: 1_000_000 };
  const cash = new Map<string, bigint>();
  for (const [currency, amount] of Object.entries(start)) cash.set(currency, BigInt(Math.round(amount * 1e6)));
  return { id: config.id, baseCurrency, cash, positions: new Map() };
}

export class Accounts {
  private readonly byId = new Map<string, AccountState>();
  /**
   * The account codes, default first: fixed at construction, so order validation (every placeOrder) reads this
   * one frozen list instead of copying the keys.
   */
  readonly idList: readonly string[];

  constructor(states: readonly AccountState[]) {
    if (states.length === 0) throw new ExchangeStateError('at least one account is required');
    for (const s of states) this.byId.set(s.id, s);
    this.idList = Object.freeze([...this.byId.keys()]);
  }

  /** A copy the caller may keep or change. */
  ids(): string[] {
    return [...this.idList];
  }

  get(id: string): AccountState {
    const account = this.byId.get(id);
    if (!account) throw new ExchangeStateError(`unknown account ${id}`);
    return account;
  }

  all(): AccountState[] {
    return [...this.byId.values()];
  }

  cashMicros(account: string, currency: string): bigint {
    return this.get(account).cash.get(currency) ?? 0n;
  }

  positions(account?: string): PositionView[] {
    const accounts = account === undefined ? this.all() : [this.get(account)];
    return accounts.flatMap((a) => [...a.positions.values()].map((p) => positionView(a.id, p)));
  }

  /** Books one execution. `side` +1 buys, −1 sells; commission in micros of the trade currency. */
  applyFill(
    accountId: string,
    spec: InstrumentSpec,
    side: 1 | -1,
    qty: number,
    price: number,
    commissionMicros: bigint,
  ): FillBooking {
    const account = this.get(accountId);
    const s = BigInt(side);
    const gross = notionalMicros(qty, price, spec.multiplier);
    account.cash.set(spec.currency, (account.cash.get(spec.currency) ?? 0n) - (s * gross + commissionMicros));
    let p = account.positions.get(spec.instrumentId);
    if (!p) {
      p = {
        instrumentId: spec.instrumentId,
        symbol: spec.symbol,
        secType: spec.secType,
        currency: spec.currency,
        exchange: spec.exchange,
        multiplier: spec.multiplier,
        qty: 0,
        costBasisMicros: 0n,
        realizedMicros: 0n,
        lastFillPrice: price,
      };
      account.positions.set(spec.instrumentId, p);
    }
    p.lastFillPrice = price;
    let realized: bigint | undefined;
    let openQty = qty;
    let openGross = gross;
    let openCommission = commissionMicros;
    if (p.qty !== 0 && Math.sign(p.qty) !== side) {
      const closeQty = Math.min(qty, Math.abs(p.qty));
      const closeGross = notionalMicros(closeQty, price, spec.multiplier);
      const closeCommission = (commissionMicros * BigInt(closeQty)) / BigInt(qty);
      const released =
        closeQty === Math.abs(p.qty)
          ? p.costBasisMicros
          : (p.costBasisMicros * BigInt(closeQty)) / BigInt(Math.abs(p.qty));
      realized = -(s * closeGross + closeCommission) - released;
      p.costBasisMicros -= released;
      p.realizedMicros += realized;
      p.qty += side * closeQty;
      openQty = qty - closeQty;
      openGross = gross - closeGross;
      openCommission = commissionMicros - closeCommission;
    }
    if (openQty > 0) {
      p.qty += side * openQty;
      p.costBasisMicros += s * openGross + openCommission;
    }
    return { realizedMicros: realized, position: positionView(account.id, p) };
  }
}
