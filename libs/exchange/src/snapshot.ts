/**
 * The core's whole state as plain JSON (bigints as decimal strings), and its validation on the way back in:
 * a state file is outside input, so it is parsed, never trusted.
 * Version 2 keys instruments by the contracts' InstrumentId (a string); version 1 (written before) keyed them by
 * an integer `conId`, and is still read: each integer becomes the id `legacyInstrumentId` names (by default its
 * decimal string, which is the id gateway-ib and ib-sim give the same contract).
 */
import { z } from 'zod';
import type { AccountState, PositionState } from './accounts.js';
import { InvalidSnapshotError } from './errors.js';
import type { ExecutionRecord } from './executions.js';
import type { OrderBookState } from './order-book.js';
import type { OrderRecord } from './order-types.js';

export const SNAPSHOT_VERSION = 2;

const micros = z.string().regex(/^-?\d+$/);
const secType = z.enum(['STK', 'CASH', 'FUT', 'OPT', 'CMDTY', 'IND']);
const optionalNumber = z.number().nullable();

const orderSchema = z.object({
  orderId: z.number().int(),
  clientId: z.number().int(),
  permId: z.number().int(),
  account: z.string(),
  instrumentId: z.string().min(1),
  symbol: z.string(),
  secType,
  currency: z.string(),
  exchange: z.string(),
  multiplier: z.number(),
  action: z.enum(['BUY', 'SELL']),
  totalQuantity: z.number(),
  orderType: z.enum(['MKT', 'LMT', 'STP', 'STP LMT']),
  lmtPrice: optionalNumber,
  auxPrice: optionalNumber,
  tif: z.enum(['DAY', 'GTC', 'IOC', 'FOK']),
  outsideRth: z.boolean(),
  orderRef: z.string(),
  parentId: z.number().int(),
  status: z.enum(['PreSubmitted', 'Submitted', 'PendingCancel', 'Cancelled', 'Filled', 'Inactive']),
  filled: z.number(),
  filledNotionalMicros: micros,
  lastFillPrice: z.number(),
  commissionMicros: micros,
  triggered: z.boolean(),
  whyHeld: z.string(),
  placedAtMs: z.number(),
  updatedAtMs: z.number(),
  expiresAtMs: optionalNumber,
  completedAtMs: optionalNumber,
  completedStatus: z.string(),
});

const executionSchema = z.object({
  execId: z.string(),
  orderId: z.number().int(),
  clientId: z.number().int(),
  permId: z.number().int(),
  account: z.string(),
  instrumentId: z.string().min(1),
  symbol: z.string(),
  secType,
  currency: z.string(),
  exchange: z.string(),
  side: z.enum(['BOT', 'SLD']),
  shares: z.number(),
  price: z.number(),
  timeMs: z.number(),
  cumQty: z.number(),
  avgPrice: z.number(),
  orderRef: z.string(),
  lastLiquidity: z.number().int(),
  commissionMicros: micros,
  commissionCurrency: z.string(),
  realizedPnLMicros: micros.nullable(),
});

const positionSchema = z.object({
  instrumentId: z.string().min(1),
  symbol: z.string(),
  secType,
  currency: z.string(),
  exchange: z.string(),
  multiplier: z.number(),
  qty: z.number(),
  costBasisMicros: micros,
  realizedMicros: micros,
  lastFillPrice: z.number(),
});

export const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  savedAtMs: z.number(),
  nextPermId: z.number().int(),
  execSequence: z.number().int(),
  maxOrderIds: z.array(z.tuple([z.number().int(), z.number().int()])),
  orders: z.array(orderSchema),
  executions: z.array(executionSchema),
  accounts: z.array(
    z.object({
      id: z.string(),
      baseCurrency: z.string(),
      cash: z.array(z.tuple([z.string(), micros])),
      positions: z.array(positionSchema),
    }),
  ),
});

export type ExchangeSnapshot = z.infer<typeof snapshotSchema>;

export interface CoreState {
  readonly book: OrderBookState;
  readonly execSequence: number;
  readonly executions: readonly ExecutionRecord[];
  readonly accounts: readonly AccountState[];
}

const orNull = (v: number | undefined): number | null => (v === undefined ? null : v);
const orUndefined = (v: number | null): number | undefined => (v === null ? undefined : v);

export function encodeSnapshot(state: CoreState, savedAtMs: number): ExchangeSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    savedAtMs,
    nextPermId: state.book.nextPermId,
    execSequence: state.execSequence,
    maxOrderIds: state.book.maxOrderIds.map(([c, o]) => [c, o]),
    orders: state.book.orders.map((o) => ({
      ...o,
      lmtPrice: orNull(o.lmtPrice),
      auxPrice: orNull(o.auxPrice),
      expiresAtMs: orNull(o.expiresAtMs),
      completedAtMs: orNull(o.completedAtMs),
      filledNotionalMicros: o.filledNotionalMicros.toString(),
      commissionMicros: o.commissionMicros.toString(),
    })),
    executions: state.executions.map((e) => ({
      ...e,
      commissionMicros: e.commissionMicros.toString(),
      realizedPnLMicros: e.realizedPnLMicros === undefined ? null : e.realizedPnLMicros.toString(),
    })),
    accounts: state.accounts.map((a) => ({
      id: a.id,
      baseCurrency: a.baseCurrency,
      cash: [...a.cash.entries()].map(([c, v]) => [c, v.toString()]),
      positions: [...a.positions.values()].map((p) => ({
        ...p,
        costBasisMicros: p.costBasisMicros.toString(),
        realizedMicros: p.realizedMicros.toString(),
      })),
    })),
  };
}

/** How a version-1 snapshot's integer instrument key reads as an InstrumentId. */
export type LegacyInstrumentId = (key: number) => string;

const decimalId: LegacyInstrumentId = (key) => String(key);

/**
 * A version-1 snapshot rewritten as version 2 (`conId: number` → `instrumentId`); anything else unchanged, so a
 * malformed one still fails the version-2 schema below. Copies: the input is never mutated.
 */
function upgradeV1(input: unknown, legacy: LegacyInstrumentId): unknown {
  if (typeof input !== 'object' || input === null || (input as { version?: unknown }).version !== 1) return input;
  const rekey = (list: unknown): unknown =>
    Array.isArray(list)
      ? list.map((r: unknown) => {
          if (typeof r !== 'object' || r === null) return r;
          const { conId, ...rest } = r as { conId?: unknown };
          return Number.isInteger(conId) ? { ...rest, instrumentId: legacy(conId as number) } : r;
        })
      : list;
  const s = input as { orders?: unknown; executions?: unknown; accounts?: unknown };
  return {
    ...s,
    version: 2,
    orders: rekey(s.orders),
    executions: rekey(s.executions),
    accounts: Array.isArray(s.accounts)
      ? s.accounts.map((a: unknown) =>
          typeof a === 'object' && a !== null
            ? { ...a, positions: rekey((a as { positions?: unknown }).positions) }
            : a,
        )
      : s.accounts,
  };
}

/** Parses untrusted JSON into live state; throws InvalidSnapshotError (with the zod issues as cause). */
export function decodeSnapshot(input: unknown, legacy: LegacyInstrumentId = decimalId): CoreState {
  const parsed = snapshotSchema.safeParse(upgradeV1(input, legacy));
  if (!parsed.success) {
    throw new InvalidSnapshotError(`invalid exchange snapshot: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const s = parsed.data;
  const orders: OrderRecord[] = s.orders.map((o) => ({
    ...o,
    lmtPrice: orUndefined(o.lmtPrice),
    auxPrice: orUndefined(o.auxPrice),
    expiresAtMs: orUndefined(o.expiresAtMs),
    completedAtMs: orUndefined(o.completedAtMs),
    filledNotionalMicros: BigInt(o.filledNotionalMicros),
    commissionMicros: BigInt(o.commissionMicros),
  }));
  const executions: ExecutionRecord[] = s.executions.map((e) => ({
    ...e,
    commissionMicros: BigInt(e.commissionMicros),
    realizedPnLMicros: e.realizedPnLMicros === null ? undefined : BigInt(e.realizedPnLMicros),
  }));
  const accounts: AccountState[] = s.accounts.map((a) => ({
    id: a.id,
    baseCurrency: a.baseCurrency,
    cash: new Map(a.cash.map(([c, v]) => [c, BigInt(v)])),
    positions: new Map(
      a.positions.map((p): [string, PositionState] => [
        p.instrumentId,
        { ...p, costBasisMicros: BigInt(p.costBasisMicros), realizedMicros: BigInt(p.realizedMicros) },
      ]),
    ),
  }));
  return {
    book: { orders, maxOrderIds: s.maxOrderIds, nextPermId: s.nextPermId },
    execSequence: s.execSequence,
    executions,
    accounts,
  };
}
