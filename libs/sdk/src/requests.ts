/** Pure builders of the request bodies the TradingSystem sends, and the paging loop of list requests. */
import type { HistBarsQuery, OrderSide, OrderType, RequestBody } from '@trading-system/contracts';
import { toDecimal, toInstrumentRef } from './convert.js';
import { ValidationError } from './errors.js';
import type {
  Contract,
  DecimalInput,
  HistoricalDataOptions,
  HistoryFilter,
  HistoryRange,
  ModifyOrderChanges,
  OrderFilter,
  OrderOptions,
  RiskLimitsInput,
} from './types.js';

export type Symbolish = string | Contract;
export type Side = OrderSide | 'buy' | 'sell';

export function describeSymbol(s: Symbolish): string {
  return typeof s === 'string' ? s : 'symbol' in s ? s.symbol : `instrument ${s.id}`;
}

/** Drops undefined values (the schemas are strict about optional fields being absent, not undefined). */
export function optional<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** Reads every page of a list request (`cursor` → `nextCursor`). */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const r = await page(cursor);
    out.push(...r.items);
    cursor = r.nextCursor;
  } while (cursor !== undefined);
  return out;
}

export function barsQuery(
  broker: string,
  symbol: Symbolish,
  exchange: string | undefined,
  duration: string | HistoryRange,
  barSize: string,
  options: HistoricalDataOptions,
): HistBarsQuery {
  const span =
    typeof duration === 'string'
      ? {
          // Checked by the catalog schema when sent: a bad duration / bar size is a ValidationError naming the field.
          duration: duration as NonNullable<HistBarsQuery['duration']>,
          ...(options.end === undefined ? {} : { endMs: options.end.getTime() }),
        }
      : {
          startMs: toEpochMs(duration.start, 'start'),
          ...(duration.end === undefined && options.end === undefined
            ? {}
            : { endMs: toEpochMs(duration.end ?? options.end ?? new Date(), 'end') }),
        };
  return {
    broker: options.broker ?? broker,
    instrument: toInstrumentRef(symbol, exchange, options),
    ...span,
    barSize: barSize as HistBarsQuery['barSize'],
    // None given: history applies the instrument's default (MIDPOINT for forex and metals, TRADES otherwise).
    ...(options.whatToShow === undefined ? {} : { whatToShow: options.whatToShow }),
    useRth: options.useRTH ?? true,
    cachedOnly: options.cachedOnly ?? false,
  };
}

/**
 * A Date, or a date / date-time string: `'2024-01-02'` is that day's UTC midnight, `'2024-01-02T14:30:00Z'` as
 * written (the seed's start_date / end_date).
 */
function toEpochMs(value: Date | string, field: string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new ValidationError('VALIDATION_FAILED', `${field} '${String(value)}' is not a date (e.g. '2024-01-02')`);
  return ms;
}

export function submitRequest(
  broker: string,
  symbol: Symbolish,
  exchange: string | undefined,
  side: Side,
  quantity: DecimalInput,
  orderType: OrderType,
  prices: { limitPrice?: DecimalInput; stopPrice?: DecimalInput },
  options: OrderOptions,
): RequestBody<'orders.submit'> {
  const upper = side.toUpperCase();
  if (upper !== 'BUY' && upper !== 'SELL')
    throw new ValidationError('VALIDATION_FAILED', `side must be BUY or SELL, got ${side}`);
  return {
    v: 1,
    broker: options.broker ?? broker,
    instrument: toInstrumentRef(symbol, exchange, options),
    side: upper as OrderSide,
    quantity: toDecimal(quantity, 'quantity'),
    orderType,
    tif: options.tif ?? 'DAY',
    outsideRth: options.outsideRth ?? false,
    ...(prices.limitPrice === undefined ? {} : { limitPrice: toDecimal(prices.limitPrice, 'limitPrice') }),
    ...(prices.stopPrice === undefined ? {} : { stopPrice: toDecimal(prices.stopPrice, 'stopPrice') }),
    ...optional({ account: options.account, strategy: options.strategy, clientOrderId: options.orderId }),
  };
}

export function modifyRequest(orderId: string, changes: ModifyOrderChanges): RequestBody<'orders.modify'> {
  return {
    v: 1,
    clientOrderId: orderId,
    ...(changes.quantity === undefined ? {} : { quantity: toDecimal(changes.quantity, 'quantity') }),
    ...(changes.limitPrice === undefined ? {} : { limitPrice: toDecimal(changes.limitPrice, 'limitPrice') }),
    ...(changes.stopPrice === undefined ? {} : { stopPrice: toDecimal(changes.stopPrice, 'stopPrice') }),
    ...(changes.tif === undefined ? {} : { tif: changes.tif }),
  };
}

export function listOrdersRequest(filter: OrderFilter, cursor: string | undefined): RequestBody<'orders.list'> {
  return {
    v: 1,
    status: filter.status ?? 'open',
    limit: 500,
    ...optional({
      broker: filter.broker,
      account: filter.account,
      strategy: filter.strategy,
      symbol: filter.symbol,
      sinceMs: filter.since?.getTime(),
      untilMs: filter.until?.getTime(),
      cursor,
    }),
  };
}

export function historyQuery(f: HistoryFilter, cursor: string | undefined) {
  return {
    ...optional({
      broker: f.broker,
      account: f.account,
      strategy: f.strategy,
      clientOrderId: f.orderId,
      symbol: f.symbol,
      fromMs: f.from?.getTime(),
      toMs: f.to?.getTime(),
      cursor,
    }),
    limit: 1000,
  };
}

/** The decimal strings of a risk limits set (numbers accepted); integer limits stay integers. */
export function riskLimitsRequest(limits: RiskLimitsInput) {
  const dec = (k: 'maxOrderQuantity' | 'maxOrderNotional' | 'maxPosition' | 'priceCollarPercent') => {
    const v = limits[k];
    return v === undefined ? undefined : toDecimal(v, k);
  };
  return optional({
    maxOrderQuantity: dec('maxOrderQuantity'),
    maxOrderNotional: dec('maxOrderNotional'),
    maxPosition: dec('maxPosition'),
    priceCollarPercent: dec('priceCollarPercent'),
    maxOpenOrders: limits.maxOpenOrders,
    maxCommandsPerSecond: limits.maxCommandsPerSecond,
  });
}
