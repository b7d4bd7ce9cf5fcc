/**
 * Pure shaping of what the SDK returns into what the page shows: the blotter's sections, and positions and account
 * figures summed across brokers (exact decimal arithmetic, per instrument or currency: never a float for money).
 */
import { type AccountSummary, addDecimal, isFinalOrderState, type Position } from '@trading-system/contracts';
import type { Order } from '@trading-system/sdk';

export type BlotterSection = 'working' | 'filled' | 'cancelled' | 'denied';

/** An order as the blotter lists it: the OMS's view plus why it ended, when an event said so. */
export type BlotterRow = Order & { readonly section: BlotterSection; readonly reason?: string };

export function sectionOf(order: Pick<Order, 'status'>): BlotterSection {
  if (!isFinalOrderState(order.status)) return 'working';
  if (order.status === 'filled') return 'filled';
  if (order.status === 'denied' || order.status === 'rejected') return 'denied';
  return 'cancelled'; // cancelled, expired
}

/** Why an order ended: the OMS's record of a denial or rejection, else what an event said (a cancellation). */
export function reasonFor(order: Order, fromEvents: string | undefined): string | undefined {
  const r = order.rejection;
  if (r === undefined) return fromEvents;
  const code = r.code ?? (r.brokerCode === undefined ? undefined : String(r.brokerCode));
  return code === undefined ? r.message : `${code}: ${r.message}`;
}

export function blotter(orders: readonly Order[], reasonOf: (orderId: string) => string | undefined): BlotterRow[] {
  return orders.map((o) => {
    const reason = reasonFor(o, reasonOf(o.orderId));
    return { ...o, section: sectionOf(o), ...(reason === undefined ? {} : { reason }) };
  });
}

const sum = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : addDecimal(a, b);

export interface AggregatePosition {
  readonly instrumentId: string;
  readonly symbol: string;
  readonly secType: string;
  readonly currency: string;
  readonly quantity: string;
  readonly marketValue?: string;
  readonly unrealizedPnl?: string;
  readonly brokers: readonly string[];
}

/** One row per instrument (instrumentId) across brokers and accounts; flat rows (quantity 0) left out. */
export function aggregatePositions(positions: readonly Position[]): AggregatePosition[] {
  const byInstrumentId = new Map<string, AggregatePosition>();
  for (const p of positions) {
    if (Number(p.quantity) === 0) continue;
    const prev = byInstrumentId.get(p.instrumentId);
    const marketValue = sum(prev?.marketValue, p.marketValue);
    const unrealizedPnl = sum(prev?.unrealizedPnl, p.unrealizedPnl);
    byInstrumentId.set(p.instrumentId, {
      instrumentId: p.instrumentId,
      symbol: p.symbol,
      secType: p.secType,
      currency: p.currency,
      quantity: sum(prev?.quantity, p.quantity) ?? '0',
      ...(marketValue === undefined ? {} : { marketValue }),
      ...(unrealizedPnl === undefined ? {} : { unrealizedPnl }),
      brokers: [...new Set([...(prev?.brokers ?? []), p.broker])],
    });
  }
  return [...byInstrumentId.values()];
}

const ACCOUNT_FIGURES = ['netLiquidation', 'totalCashValue', 'buyingPower', 'grossPositionValue'] as const;

export type AggregateAccount = { readonly currency: string; readonly accounts: number } & Partial<
  Record<(typeof ACCOUNT_FIGURES)[number] | 'unrealizedPnl' | 'realizedPnl', string>
>;

/** Account figures summed per base currency (amounts in different currencies are never added). */
export function aggregateAccounts(accounts: readonly AccountSummary[]): AggregateAccount[] {
  const byCurrency = new Map<string, Record<string, string | number>>();
  for (const a of accounts) {
    const row = byCurrency.get(a.currency) ?? { currency: a.currency, accounts: 0 };
    row.accounts = Number(row.accounts) + 1;
    const add = (key: string, v: string | undefined): void => {
      const total = sum(row[key] as string | undefined, v);
      if (total !== undefined) row[key] = total;
    };
    for (const k of ACCOUNT_FIGURES) add(k, a[k]);
    add('unrealizedPnl', a.pnl?.unrealizedPnl);
    add('realizedPnl', a.pnl?.realizedPnl);
    byCurrency.set(a.currency, row);
  }
  return [...byCurrency.values()] as AggregateAccount[];
}
