/**
 * whatIf placeOrder: the order is validated and previewed, never placed. The preview is TWS's openOrder with
 * whatIf=1 and the orderState margin fields: before = the account now; change = margin rate × the change of
 * |position| × price (the limit, else the quote it would take); equity changes by the estimated commission.
 */
import {
  DEFAULT_COMMISSIONS,
  DEFAULT_MARGIN_RATES,
  type Exchange,
  formatMicros,
  microsToNumber,
  notionalMicros,
  type OrderRecord,
  type OrderRequest,
  orderCommissionMicros,
  type Quote,
  type TwsNotice,
  validateOrder,
} from '@trading-system/exchange';
import type { Instrument } from '../instruments/instrument.js';
import type { WhatIfState } from '../wire/order-encoders.js';
import { coreIdOf, instrumentSpec } from './ports.js';

export type WhatIfResult =
  | { readonly ok: true; readonly order: OrderRecord; readonly state: WhatIfState }
  | { readonly ok: false; readonly error: TwsNotice };

export function previewOrder(
  exchange: Exchange,
  req: OrderRequest,
  instrument: Instrument | undefined,
  quoteAt: (conId: number, tMs: number) => Quote | undefined,
  nowMs: number,
): WhatIfResult {
  const spec = instrument && instrumentSpec(instrument);
  const v = validateOrder(req, spec, exchange.accounts());
  if (!v.ok) return { ok: false, error: v.error };
  if (!instrument)
    return { ok: false, error: { code: 200, message: 'No security definition has been found for the request' } };
  const o = v.order;
  const buy = o.action === 'BUY';
  const quote = quoteAt(instrument.conId, nowMs);
  const price = o.lmtPrice ?? (quote ? (buy ? quote.ask : quote.bid) : undefined) ?? o.auxPrice ?? 0;
  const held = exchange.positions(o.account).find((p) => p.instrumentId === coreIdOf(instrument.conId))?.position ?? 0;
  const after = held + (buy ? o.totalQuantity : -o.totalQuantity);
  const deltaQty = Math.abs(after) - Math.abs(held);
  const deltaValue = notionalMicros(Math.abs(deltaQty), price, instrument.multiplier) * (deltaQty < 0 ? -1n : 1n);
  const rate = DEFAULT_MARGIN_RATES[instrument.secType];
  const scaled = (m: bigint, f: number): bigint => (m * BigInt(Math.round(f * 1_000_000))) / 1_000_000n;
  const notional = notionalMicros(o.totalQuantity, price, instrument.multiplier);
  const rule =
    DEFAULT_COMMISSIONS[`${instrument.secType}:${instrument.currency}`] ??
    DEFAULT_COMMISSIONS[instrument.secType] ??
    {};
  const commission = orderCommissionMicros(rule, o.totalQuantity, notional);
  const s = exchange.accountSummary(o.account, nowMs);
  const initChange = scaled(deltaValue, rate.init);
  const maintChange = scaled(deltaValue, rate.maint);
  const f = (m: bigint): string => formatMicros(m);
  const order: OrderRecord = {
    orderId: req.orderId,
    clientId: req.clientId,
    permId: 0,
    account: o.account,
    instrumentId: coreIdOf(instrument.conId),
    symbol: instrument.symbol,
    secType: instrument.secType,
    currency: instrument.currency,
    exchange: instrument.exchange,
    multiplier: instrument.multiplier,
    action: o.action,
    totalQuantity: o.totalQuantity,
    orderType: o.orderType,
    lmtPrice: o.lmtPrice,
    auxPrice: o.auxPrice,
    tif: o.tif,
    outsideRth: o.outsideRth,
    orderRef: o.orderRef,
    parentId: req.parentId ?? 0,
    status: 'PreSubmitted',
    filled: 0,
    filledNotionalMicros: 0n,
    lastFillPrice: 0,
    commissionMicros: 0n,
    triggered: false,
    whyHeld: '',
    placedAtMs: nowMs,
    updatedAtMs: nowMs,
    expiresAtMs: undefined,
    completedAtMs: undefined,
    completedStatus: '',
  };
  return {
    ok: true,
    order,
    state: {
      margins: [
        f(s.initMarginReq),
        f(s.maintMarginReq),
        f(s.equityWithLoanValue),
        f(initChange),
        f(maintChange),
        f(-commission),
        f(s.initMarginReq + initChange),
        f(s.maintMarginReq + maintChange),
        f(s.equityWithLoanValue - commission),
      ],
      commission: microsToNumber(commission),
      currency: instrument.currency,
    },
  };
}
