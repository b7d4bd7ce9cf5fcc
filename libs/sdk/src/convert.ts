/** Pure conversions between the SDK's shapes and the contract messages. */
import type { BarData, InstrumentRef, OrderView, Tick, TradeRecord } from '@trading-system/contracts';
import { ValidationError } from './errors.js';
import type { Contract, ContractOptions, DecimalInput, HistoricalBar, Order, Quote, Trade } from './types.js';

/**
 * A decimal string for the wire: numbers are written in plain notation with at most 12 fractional digits (binary
 * float noise below that is rounded away).
 */
export function toDecimal(value: DecimalInput, field: string): string {
  if (typeof value === 'string') return value.trim();
  if (!Number.isFinite(value)) throw new ValidationError('VALIDATION_FAILED', `${field} must be a finite number`);
  const plain = value.toFixed(12).replace(/\.?0+$/, '');
  // Float noise (0.1 + 0.2) is rounded away; a value that really needs a 13th decimal is refused, not truncated.
  if (Math.abs(Number(plain) - value) > Number.EPSILON * 8 * Math.max(1, Math.abs(value)))
    throw new ValidationError('VALIDATION_FAILED', `${field} ${value} needs more than 12 decimals; pass a string`);
  return plain === '-0' ? '0' : plain;
}

const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

/** `(symbol, exchange, options)` or a Contract → the instrument reference services qualify. */
export function toInstrumentRef(
  symbolOrContract: string | Contract,
  exchange?: string,
  options: ContractOptions = {},
): InstrumentRef {
  const c: Contract =
    typeof symbolOrContract === 'string'
      ? { ...options, symbol: symbolOrContract, ...(exchange === undefined ? {} : { exchange }) }
      : { ...options, ...symbolOrContract, ...(exchange === undefined ? {} : { exchange }) };
  if ('id' in c) return c.exchange === undefined ? { id: c.id } : { id: c.id, exchange: c.exchange };
  const secType = c.secType ?? 'STK';
  const right = c.right === undefined ? undefined : c.right === 'CALL' ? 'C' : c.right === 'PUT' ? 'P' : c.right;
  return {
    secType,
    symbol: c.symbol,
    exchange: c.exchange ?? (secType === 'CASH' ? 'IDEALPRO' : 'SMART'),
    currency: c.currency ?? 'USD',
    ...(c.primaryExchange === undefined ? {} : { primaryExchange: c.primaryExchange }),
    ...(c.expiry === undefined ? {} : { expiry: c.expiry }),
    ...(c.strike === undefined ? {} : { strike: toDecimal(c.strike, 'strike') }),
    ...(right === undefined ? {} : { right }),
    ...(c.multiplier === undefined ? {} : { multiplier: toDecimal(c.multiplier, 'multiplier') }),
    ...(c.localSymbol === undefined ? {} : { localSymbol: c.localSymbol }),
    ...(c.tradingClass === undefined ? {} : { tradingClass: c.tradingClass }),
  };
}

export function toBar(b: BarData): HistoricalBar {
  return {
    time: new Date(b.tsStartMs),
    open: Number(b.open),
    high: Number(b.high),
    low: Number(b.low),
    close: Number(b.close),
    volume: Number(b.volume),
    ...(b.wap === undefined ? {} : { wap: Number(b.wap) }),
    ...(b.count === undefined ? {} : { count: b.count }),
    exact: b,
  };
}

export function toQuote(t: Tick, symbol: string): Quote {
  const q: Record<string, unknown> = {
    symbol,
    instrumentId: t.instrumentId,
    broker: t.broker,
    time: new Date(t.tsEventMs),
    delayed: t.delayed,
    exact: t,
  };
  for (const k of ['bid', 'ask', 'last', 'bidSize', 'askSize', 'lastSize', 'volume'] as const) {
    const v = num(t[k]);
    if (v !== undefined) q[k] = v;
  }
  if (t.greeks !== undefined) q.greeks = t.greeks;
  return q as unknown as Quote;
}

export function toOrder(v: OrderView): Order {
  return {
    orderId: v.clientOrderId,
    broker: v.broker,
    account: v.account,
    symbol: v.instrument.localSymbol,
    instrument: v.instrument,
    side: v.side,
    quantity: v.quantity,
    orderType: v.orderType,
    ...(v.limitPrice === undefined ? {} : { limitPrice: v.limitPrice }),
    ...(v.stopPrice === undefined ? {} : { stopPrice: v.stopPrice }),
    tif: v.tif,
    outsideRth: v.outsideRth,
    ...(v.strategy === undefined ? {} : { strategy: v.strategy }),
    status: v.state,
    filledQuantity: v.filledQty,
    ...(v.avgFillPrice === undefined ? {} : { avgFillPrice: v.avgFillPrice }),
    ...(v.brokerOrderId === undefined ? {} : { brokerOrderId: v.brokerOrderId }),
    ...(v.lastRejection === undefined
      ? {}
      : {
          rejection: {
            kind: v.lastRejection.kind,
            ...(v.lastRejection.code === undefined ? {} : { code: v.lastRejection.code }),
            ...(v.lastRejection.brokerCode === undefined ? {} : { brokerCode: v.lastRejection.brokerCode }),
            message: v.lastRejection.message,
            at: new Date(v.lastRejection.atMs),
          },
        }),
    createdAt: new Date(v.createdAtMs),
    updatedAt: new Date(v.updatedAtMs),
  };
}

export function toTrade(t: TradeRecord): Trade {
  return {
    execId: t.execId,
    orderId: t.clientOrderId,
    broker: t.broker,
    account: t.account,
    symbol: t.symbol,
    instrumentId: t.instrumentId,
    ...(t.strategy === undefined ? {} : { strategy: t.strategy }),
    side: t.side,
    quantity: Number(t.quantity),
    price: Number(t.price),
    ...(t.commission === undefined ? {} : { commission: Number(t.commission) }),
    time: new Date(t.tsEventMs),
    exact: t,
  };
}
