/**
 * Positions and account values across brokers, and the market value of positions a broker reports without one.
 * IB's position stream (reqPositions) carries quantity and average cost only; price, value and unrealized PnL are
 * filled here from one market-data snapshot per broker (exact decimals: value = qty × price × multiplier,
 * unrealized PnL = value − qty × avgCost, IB's avgCost including the multiplier).
 */
import type { ServiceClients } from '@trading-system/clients';
import {
  type AccountSummary,
  addDecimal,
  type ErrorCode,
  mulDecimal,
  type Position,
  roundDecimal,
  subDecimal,
} from '@trading-system/contracts';
import { toSdkError } from './errors.js';

/** A broker whose positions or account values could not be read, and why. */
export interface UnavailableBroker {
  readonly broker: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** Every broker's rows; brokers that did not answer are listed in `unavailable` instead of failing the whole call. */
export type AcrossBrokers<T> = T[] & { readonly unavailable: readonly UnavailableBroker[] };

export async function acrossBrokers<T>(
  brokers: readonly string[],
  one: (broker: string) => Promise<readonly T[]>,
): Promise<AcrossBrokers<T>> {
  const results = await Promise.allSettled(brokers.map(one));
  const rows: T[] = [];
  const unavailable: UnavailableBroker[] = [];
  results.forEach((r, i) => {
    const broker = brokers[i] ?? '';
    if (r.status === 'fulfilled') rows.push(...r.value);
    else {
      const err = toSdkError(r.reason, `broker ${broker}`);
      unavailable.push({ broker, code: err.code, message: err.message });
    }
  });
  return Object.assign(rows, { unavailable });
}

/** Multiplier 1 unless the contract says otherwise (futures, options). */
const UNIT_MULTIPLIER = new Set(['STK', 'CASH', 'CMDTY', 'IND', 'BOND', 'CRYPTO']);

/**
 * Fills marketPrice, marketValue and unrealizedPnl of open positions the broker reported without a price, from one
 * market-data snapshot of the broker (last, else mid, else the previous close). A position whose price is unknown
 * keeps the fields empty, and `onMissing` hears why.
 */
export async function valuePositions(
  clients: ServiceClients,
  broker: string,
  positions: readonly Position[],
  onMissing: (p: Position, why: string) => void,
): Promise<Position[]> {
  const unpriced = positions.filter((p) => p.marketPrice === undefined && Number(p.quantity) !== 0);
  if (unpriced.length === 0) return [...positions];
  const instrumentIds = [...new Set(unpriced.map((p) => p.instrumentId))];
  const prices = new Map<string, string>();
  try {
    const r = await clients.marketData.snapshot({
      v: 1,
      broker,
      instruments: instrumentIds.map((id) => ({ id })),
      cachedOnly: false,
    });
    r.items.forEach((item, i) => {
      const instrumentId = instrumentIds[i];
      if (instrumentId === undefined || !item.ok) return;
      const { last, bid, ask, close } = item.tick;
      const mid =
        bid !== undefined && ask !== undefined ? roundDecimal(mulDecimal(addDecimal(bid, ask), '0.5'), 12) : undefined;
      const price = last ?? mid ?? close;
      if (price !== undefined) prices.set(instrumentId, price);
    });
  } catch (err) {
    for (const p of unpriced) onMissing(p, toSdkError(err, 'quote snapshot').message);
    return [...positions];
  }
  const multipliers = new Map<string, string>();
  await Promise.all(
    unpriced
      .filter((p) => !UNIT_MULTIPLIER.has(p.secType) && prices.has(p.instrumentId))
      .map(async (p) => {
        try {
          const instrument = await clients.brokers.qualify(broker, { id: p.instrumentId });
          multipliers.set(p.instrumentId, instrument.multiplier ?? '1');
        } catch (err) {
          onMissing(p, toSdkError(err, 'contract multiplier').message);
        }
      }),
  );
  return positions.map((p) => {
    const price = prices.get(p.instrumentId);
    if (!unpriced.includes(p)) return p;
    if (price === undefined) {
      onMissing(p, 'no quote in the snapshot');
      return p;
    }
    const multiplier = UNIT_MULTIPLIER.has(p.secType) ? '1' : multipliers.get(p.instrumentId);
    if (multiplier === undefined) return { ...p, marketPrice: price };
    const marketValue = roundDecimal(mulDecimal(mulDecimal(p.quantity, price), multiplier), 2);
    return {
      ...p,
      marketPrice: price,
      marketValue,
      ...(p.avgCost === undefined
        ? {}
        : { unrealizedPnl: roundDecimal(subDecimal(marketValue, mulDecimal(p.quantity, p.avgCost)), 2) }),
    };
  });
}

export type { AccountSummary };
