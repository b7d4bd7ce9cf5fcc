/**
 * Encoders of the order and execution messages (spec §3.7–3.8): openOrder (127 fields at sv 178, 128 at 176
 * with faProfile), completedOrder (96 / 97), orderStatus (12), execDetails (32 at 178, 31 below),
 * commissionReport (8) and the end markers. Everything the sim does not model is sent as TWS's "unset"
 * value; field counts are pinned by the golden tests.
 */
import type { ExecutionRecord, OrderRecord, OrderStatusEvent } from '@trading-system/exchange';
import { avgFillPriceOf } from '@trading-system/exchange';
import type { Instrument } from '../instruments/instrument.js';
import { multiplierText } from '../instruments/instrument.js';
import type { Fields } from './encoders.js';
import { fmtBool, fmtDouble, fmtInt, UNSET_DOUBLE_TEXT, UNSET_INT } from './fields.js';
import { OUT, SV } from './message-ids.js';

const id = (n: number): string => String(n);
const maxDouble = (v: number | undefined): string => (v === undefined ? '' : fmtDouble(v));

/** The 11-field contract block of openOrder, completedOrder and execDetails (no primaryExch). */
function contractBlock(i: Instrument, exchange: string): Fields {
  return [
    fmtInt(i.conId),
    i.symbol,
    i.secType,
    i.lastTradeDate,
    fmtDouble(i.strike),
    i.right,
    multiplierText(i),
    exchange,
    i.currency,
    i.localSymbol,
    i.tradingClass,
  ];
}

/** The orderState of a whatIf reply: margin values as TWS's decimal strings, commission estimates. */
export interface WhatIfState {
  /** initMarginBefore, maintMarginBefore, equityWithLoanBefore, the three changes, the three afters. */
  readonly margins: readonly [string, string, string, string, string, string, string, string, string];
  readonly commission: number;
  readonly currency: string;
}

/** orderState.status one-to-one; `whatIf` turns it into a preview (whatIf flag, margins, commission). */
export function openOrder(
  serverVersion: number,
  o: Readonly<OrderRecord>,
  i: Instrument,
  whatIf?: WhatIfState,
): Fields {
  const out: Fields = [
    id(OUT.OPEN_ORDER),
    fmtInt(o.orderId),
    ...contractBlock(i, o.exchange),
    o.action,
    fmtDouble(o.totalQuantity),
    o.orderType,
    maxDouble(o.lmtPrice),
    maxDouble(o.auxPrice),
    o.tif,
    '', // ocaGroup
    o.account,
    '', // openClose
    '0', // origin
    o.orderRef,
    fmtInt(o.clientId),
    fmtInt(o.permId),
    fmtBool(o.outsideRth),
    '0', // hidden
    '0', // discretionaryAmt
    '', // goodAfterTime
    '', // sharesAllocation
    '', // faGroup
    '', // faMethod
    '', // faPercentage
  ];
  if (serverVersion < SV.FA_PROFILE_DESUPPORT) out.push(''); // faProfile
  out.push(
    '', // modelCode
    '', // goodTillDate
    '', // rule80A
    '', // percentOffset
    '', // settlingFirm
    '0', // shortSaleSlot
    '', // designatedLocation
    '-1', // exemptCode
    '0', // auctionStrategy
    '', // startingPrice
    '', // stockRefPrice
    '', // delta
    '', // stockRangeLower
    '', // stockRangeUpper
    String(UNSET_INT), // displaySize
    '0', // blockOrder
    '0', // sweepToFill
    '0', // allOrNone
    '', // minQty
    '0', // ocaType
    '0', // eTradeOnly
    '0', // firmQuoteOnly
    '', // nbboPriceCap
    fmtInt(o.parentId),
    '0', // triggerMethod
    '', // volatility
    '0', // volatilityType
    '', // deltaNeutralOrderType
    '', // deltaNeutralAuxPrice
    '0', // continuousUpdate
    '0', // referencePriceType
    '', // trailStopPrice
    '', // trailingPercent
    '', // basisPoints
    '', // basisPointsType
    '', // comboLegsDescrip
    '0', // comboLegsCount
    '0', // orderComboLegsCount
    '0', // smartComboRoutingParamsCount
    '', // scaleInitLevelSize
    '', // scaleSubsLevelSize
    '', // scalePriceIncrement
    '', // hedgeType
    '0', // optOutSmartRouting
    '', // clearingAccount
    'IB', // clearingIntent
    '0', // notHeld
    '0', // deltaNeutralContract present
    '', // algoStrategy
    '0', // solicited
    whatIf ? '1' : '0',
    o.status,
    ...(whatIf ? whatIf.margins : Array<string>(9).fill(UNSET_DOUBLE_TEXT)),
    whatIf ? fmtDouble(whatIf.commission) : UNSET_DOUBLE_TEXT, // commission
    whatIf ? fmtDouble(whatIf.commission) : UNSET_DOUBLE_TEXT, // minCommission
    whatIf ? fmtDouble(whatIf.commission) : UNSET_DOUBLE_TEXT, // maxCommission
    whatIf ? whatIf.currency : '', // commissionCurrency
    '', // warningText
    '0', // randomizeSize
    '0', // randomizePrice
    '0', // conditionsCount
    '', // adjustedOrderType
    '', // triggerPrice
    '', // trailStopPrice
    '', // lmtPriceOffset
    '', // adjustedStopPrice
    '', // adjustedStopLimitPrice
    '', // adjustedTrailingAmount
    '0', // adjustableTrailingUnit
    '', // softDollarTier name
    '', // softDollarTier value
    '', // softDollarTier displayName
    '', // cashQty
    '0', // dontUseAutoPriceForHedge
    '0', // isOmsContainer
    '0', // discretionaryUpToLimitPrice
    '0', // usePriceMgmtAlgo
    String(UNSET_INT), // duration
    '', // postToAts
    '0', // autoCancelParent
    '', // minTradeQty
    '', // minCompeteSize
    '', // competeAgainstBestOffset
    '', // midOffsetAtWhole
    '', // midOffsetAtHalf
  );
  return out;
}

export function openOrderEnd(): Fields {
  return [id(OUT.OPEN_ORDER_END), '1'];
}

/** completedOrder: no orderId/clientId; `completedTime` is `yyyyMMdd HH:mm:ss <zone>`. */
export function completedOrder(
  serverVersion: number,
  o: Readonly<OrderRecord>,
  i: Instrument,
  completedTime: string,
): Fields {
  const out: Fields = [
    id(OUT.COMPLETED_ORDER),
    ...contractBlock(i, o.exchange),
    o.action,
    fmtDouble(o.totalQuantity),
    o.orderType,
    maxDouble(o.lmtPrice),
    maxDouble(o.auxPrice),
    o.tif,
    '', // ocaGroup
    o.account,
    '', // openClose
    '0', // origin
    o.orderRef,
    fmtInt(o.permId),
    fmtBool(o.outsideRth),
    '0', // hidden
    '0', // discretionaryAmt
    '', // goodAfterTime
    '', // faGroup
    '', // faMethod
    '', // faPercentage
  ];
  if (serverVersion < SV.FA_PROFILE_DESUPPORT) out.push(''); // faProfile
  out.push(
    '', // modelCode
    '', // goodTillDate
    '', // rule80A
    '', // percentOffset
    '', // settlingFirm
    '0', // shortSaleSlot
    '', // designatedLocation
    '-1', // exemptCode
    '', // startingPrice
    '', // stockRefPrice
    '', // delta
    '', // stockRangeLower
    '', // stockRangeUpper
    String(UNSET_INT), // displaySize
    '0', // sweepToFill
    '0', // allOrNone
    '', // minQty
    '0', // ocaType
    '0', // triggerMethod
    '', // volatility
    '0', // volatilityType
    '', // deltaNeutralOrderType
    '', // deltaNeutralAuxPrice
    '0', // continuousUpdate
    '0', // referencePriceType
    '', // trailStopPrice
    '', // trailingPercent
    '', // comboLegsDescrip
    '0', // comboLegCount
    '0', // orderComboLegCount
    '0', // smartComboRoutingParamsCount
    '', // scaleInitLevelSize
    '', // scaleSubsLevelSize
    '', // scalePriceIncrement
    '', // hedgeType
    '', // clearingAccount
    'IB', // clearingIntent
    '0', // notHeld
    '0', // dncPresent
    '', // algoStrategy
    '0', // solicited
    o.status,
    '0', // randomizeSize
    '0', // randomizePrice
    '0', // conditionsCount
    '', // trailStopPrice
    '', // lmtPriceOffset
    '', // cashQty
    '0', // dontUseAutoPriceForHedge
    '0', // isOmsContainer
    '', // autoCancelDate
    fmtDouble(o.filled),
    String(UNSET_INT), // refFuturesConId
    '0', // autoCancelParent
    'Not an insider or substantial shareholder',
    '0', // imbalanceOnly
    '0', // routeMarketableToBbo
    String(UNSET_INT), // parentPermId
    completedTime,
    o.completedStatus,
    '', // minTradeQty
    '', // minCompeteSize
    '', // competeAgainstBestOffset
    '', // midOffsetAtWhole
    '', // midOffsetAtHalf
  );
  return out;
}

export function completedOrdersEnd(): Fields {
  return [id(OUT.COMPLETED_ORDERS_END)];
}

export function orderStatus(s: Omit<OrderStatusEvent, 'kind'>): Fields {
  return [
    id(OUT.ORDER_STATUS),
    fmtInt(s.orderId),
    s.status,
    fmtDouble(s.filled),
    fmtDouble(s.remaining),
    fmtDouble(s.avgFillPrice),
    fmtInt(s.permId),
    fmtInt(s.parentId),
    fmtDouble(s.lastFillPrice),
    fmtInt(s.clientId),
    s.whyHeld,
    fmtDouble(s.mktCapPrice),
  ];
}

/** The orderStatus fields of an order as it now stands (reqOpenOrders replies). */
export function orderStatusOf(o: Readonly<OrderRecord>): Fields {
  return orderStatus({
    orderId: o.orderId,
    clientId: o.clientId,
    status: o.status,
    filled: o.filled,
    remaining: o.totalQuantity - o.filled,
    avgFillPrice: avgFillPriceOf(o as OrderRecord),
    permId: o.permId,
    parentId: o.parentId,
    lastFillPrice: o.lastFillPrice,
    whyHeld: o.whyHeld,
    mktCapPrice: 0,
  });
}

/** execDetails; reqId −1 for live fills. `time` is `yyyyMMdd HH:mm:ss <zone>`. */
export function execDetails(
  serverVersion: number,
  reqId: number,
  e: ExecutionRecord,
  i: Instrument,
  time: string,
): Fields {
  const out: Fields = [
    id(OUT.EXECUTION_DATA),
    fmtInt(reqId),
    fmtInt(e.orderId),
    ...contractBlock(i, e.exchange),
    e.execId,
    time,
    e.account,
    e.exchange,
    e.side,
    fmtDouble(e.shares),
    fmtDouble(e.price),
    fmtInt(e.permId),
    fmtInt(e.clientId),
    '0', // liquidation
    fmtDouble(e.cumQty),
    fmtDouble(e.avgPrice),
    e.orderRef,
    '', // evRule
    '', // evMultiplier
    '', // modelCode
    fmtInt(e.lastLiquidity),
  ];
  if (serverVersion >= SV.PENDING_PRICE_REVISION) out.push('0');
  return out;
}

export function execDetailsEnd(reqId: number): Fields {
  return [id(OUT.EXECUTION_DATA_END), '1', fmtInt(reqId)];
}

/** realizedPnL undefined (opening fill) is sent as max double, as TWS does. */
export function commissionReport(
  execId: string,
  commission: number,
  currency: string,
  realizedPnL: number | undefined,
): Fields {
  return [
    id(OUT.COMMISSION_REPORT),
    '1',
    execId,
    fmtDouble(commission),
    currency,
    realizedPnL === undefined ? UNSET_DOUBLE_TEXT : fmtDouble(realizedPnL),
    UNSET_DOUBLE_TEXT, // yield
    '0', // yieldRedemptionDate
  ];
}
