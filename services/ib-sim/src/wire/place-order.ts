/**
 * Reading placeOrder (spec §3.7.1) and cancelOrder (§3.7.4). The sim interprets the head of placeOrder
 * (contract, action, size, type, prices, tif, account, orderRef, transmit, parentId, outsideRth); the rest of
 * the 114 fields (FA, algo, conditions, whatIf …) is left unread: framing has already delimited the message,
 * so nothing downstream depends on consuming it.
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

/** cancelOrder at sv 176–178: `4|1|orderId|manualOrderCancelTime`. */
export function readCancelOrder(r: FieldReader): number {
  r.skip(); // version
  const orderId = r.int();
  r.optionalStr(); // manualOrderCancelTime
  return orderId;
}
