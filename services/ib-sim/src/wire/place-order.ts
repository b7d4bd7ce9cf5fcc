/**
 * Reading placeOrder (spec §3.7.1) and cancelOrder (§3.7.4). The sim interprets the head of placeOrder
 * (contract, action, size, type, prices, tif, account, orderRef, transmit, parentId, outsideRth) and, from
 * the tail, whatIf (field 85, behind several conditional groups). Fields after whatIf (conditions, MiFID,
 * PEG offsets …) are left unread: framing has already delimited the message.
 */
import type { ContractQuery } from '../instruments/contract-query.js';
import { readContract } from './contract-fields.js';
import type { FieldReader } from './fields.js';

export interface PlaceOrderMessage {
  readonly orderId: number;
  readonly contract: Omit<ContractQuery, 'includeExpired'>;
  readonly action: string;
  readonly totalQuantity: number;
  readonly orderType: string;
  readonly lmtPrice: number | undefined;
  readonly auxPrice: number | undefined;
  readonly tif: string;
  readonly account: string;
  readonly orderRef: string;
  readonly transmit: boolean;
  readonly parentId: number;
  readonly outsideRth: boolean;
}

export function readPlaceOrder(r: FieldReader): PlaceOrderMessage {
  const orderId = r.int();
  const contract = readContract(r);
  r.str(); // secIdType
  r.str(); // secId
  const action = r.str();
  const qtyText = r.str().trim();
  const totalQuantity = qtyText === '' ? 0 : Number(qtyText);
  if (Number.isNaN(totalQuantity)) throw r.fail(`For input string: "${qtyText}"`);
  const orderType = r.str();
  const lmtPrice = r.doubleMax();
  const auxPrice = r.doubleMax();
  const tif = r.str();
  r.str(); // ocaGroup
  const account = r.str();
  r.str(); // openClose
  r.int(); // origin
  const orderRef = r.str();
  const transmitText = r.str().trim();
  const parentId = r.int();
  r.bool(); // blockOrder
  r.bool(); // sweepToFill
  r.str(); // displaySize
  r.str(); // triggerMethod
  const outsideRth = r.bool();
  return {
    orderId,
    contract,
    action,
    totalQuantity,
    orderType,
    lmtPrice,
    auxPrice,
    tif,
    account,
    orderRef,
    // J sends "1"/"0"; a missing value is TWS's default, transmit.
    transmit: transmitText !== '0' && transmitText.toLowerCase() !== 'false',
    parentId,
    outsideRth,
  };
}

/**
 * Reads on from `hidden` (after readPlaceOrder) to whatIf. `secType` decides the BAG groups; below 177 the
 * message still carries faProfile.
 */
export function readWhatIf(r: FieldReader, serverVersion: number, secType: string): boolean {
  r.str(); // hidden
  if (secType.toUpperCase() === 'BAG') {
    r.skip(r.int() * 8); // comboLegs
    r.skip(r.int()); // orderComboLegs prices
    r.skip(r.int() * 2); // smartComboRoutingParams
  }
  r.skip(5); // sharesAllocation, discretionaryAmt, goodAfterTime, goodTillDate, faGroup
  r.skip(2); // faMethod, faPercentage
  if (serverVersion < 177) r.skip(); // faProfile
  r.skip(); // modelCode
  r.skip(3); // shortSaleSlot, designatedLocation, exemptCode
  r.skip(); // ocaType
  r.skip(3); // rule80A, settlingFirm, allOrNone
  r.skip(2); // minQty, percentOffset
  r.skip(3); // eTradeOnly, firmQuoteOnly, nbboPriceCap
  r.skip(6); // auctionStrategy, startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper
  r.skip(); // overridePercentageConstraints
  r.skip(2); // volatility, volatilityType
  const deltaNeutralOrderType = r.str();
  r.skip(); // deltaNeutralAuxPrice
  if (deltaNeutralOrderType !== '') r.skip(8);
  r.skip(2); // continuousUpdate, referencePriceType
  r.skip(2); // trailStopPrice, trailingPercent
  r.skip(2); // scaleInitLevelSize, scaleSubsLevelSize
  const scalePriceIncrement = r.doubleMax();
  if (scalePriceIncrement !== undefined && scalePriceIncrement > 0) r.skip(7);
  r.skip(3); // scaleTable, activeStartTime, activeStopTime
  if (r.str() !== '') r.skip(); // hedgeType [+ hedgeParam]
  r.skip(); // optOutSmartRouting
  r.skip(2); // clearingAccount, clearingIntent
  r.skip(); // notHeld
  if (r.bool()) r.skip(3); // deltaNeutralContract conId, delta, price
  if (r.str() !== '') r.skip(r.int() * 2); // algoStrategy [+ params]
  r.skip(); // algoId
  return r.bool();
}

/** cancelOrder at sv 176–178: `4|1|orderId|manualOrderCancelTime`. */
export function readCancelOrder(r: FieldReader): number {
  r.skip(); // version
  const orderId = r.int();
  r.optionalStr(); // manualOrderCancelTime
  return orderId;
}
