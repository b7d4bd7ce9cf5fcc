/**
 * The answer to a client message no handler takes.
 *
 * Real TWS implements every request of the protocol, so it never has a "request it does not know" at a version it
 * negotiated; no public capture shows what it sends for an id outside the protocol (the clients' own 505 "Fatal
 * Error: Unknown message id" is raised client-side for *incoming* ids and never crosses the wire). The sim
 * therefore chooses, keeping the one property that matters to a client — nothing that TWS would answer goes
 * unanswered:
 * - an id of the sv-178 request table without a handler here: the request is answered with 322 on its own
 *   request id (read at the position the layout table below gives), or on -1 when the message has none; cancels
 *   are not answered (TWS answers no cancel of a finished request);
 * - an id outside the table: 320 on -1 ("Error reading request", TWS's code for a message it cannot read), and
 *   the connection stays open (the length prefix lets the rest of the stream be read, unlike the pre-v100 wire
 *   where TWS had to drop the client).
 */
import type { FieldReader } from '../wire/fields.js';
import type { Session } from './session.js';
import { processingError } from './tws-errors.js';

interface RequestLayout {
  readonly name: string;
  /** 1-based field index of the request/ticker/order id after the message id; undefined when there is none. */
  readonly idField?: number;
}

/** Client → server messages at sv 176–178 (EClient.java 10.32.01 ids, @stoqey/ib encoder layouts). */
const LAYOUTS: ReadonlyMap<number, RequestLayout> = new Map<number, RequestLayout>([
  [1, { name: 'reqMktData', idField: 2 }],
  [2, { name: 'cancelMktData', idField: 2 }],
  [3, { name: 'placeOrder', idField: 1 }],
  [4, { name: 'cancelOrder', idField: 2 }],
  [5, { name: 'reqOpenOrders' }],
  [6, { name: 'reqAccountUpdates' }],
  [7, { name: 'reqExecutions', idField: 2 }],
  [8, { name: 'reqIds' }],
  [9, { name: 'reqContractDetails', idField: 2 }],
  [10, { name: 'reqMktDepth', idField: 2 }],
  [11, { name: 'cancelMktDepth', idField: 2 }],
  [12, { name: 'reqNewsBulletins' }],
  [13, { name: 'cancelNewsBulletins' }],
  [14, { name: 'setServerLogLevel' }],
  [15, { name: 'reqAutoOpenOrders' }],
  [16, { name: 'reqAllOpenOrders' }],
  [17, { name: 'reqManagedAccts' }],
  [18, { name: 'requestFA' }],
  [19, { name: 'replaceFA', idField: 4 }],
  [20, { name: 'reqHistoricalData', idField: 1 }],
  [21, { name: 'exerciseOptions', idField: 2 }],
  [22, { name: 'reqScannerSubscription', idField: 1 }],
  [23, { name: 'cancelScannerSubscription', idField: 2 }],
  [24, { name: 'reqScannerParameters' }],
  [25, { name: 'cancelHistoricalData', idField: 2 }],
  [49, { name: 'reqCurrentTime' }],
  [50, { name: 'reqRealTimeBars', idField: 2 }],
  [51, { name: 'cancelRealTimeBars', idField: 2 }],
  [52, { name: 'reqFundamentalData', idField: 2 }],
  [53, { name: 'cancelFundamentalData', idField: 2 }],
  [54, { name: 'calculateImpliedVolatility', idField: 2 }],
  [55, { name: 'calculateOptionPrice', idField: 2 }],
  [56, { name: 'cancelCalculateImpliedVolatility', idField: 2 }],
  [57, { name: 'cancelCalculateOptionPrice', idField: 2 }],
  [58, { name: 'reqGlobalCancel' }],
  [59, { name: 'reqMarketDataType' }],
  [61, { name: 'reqPositions' }],
  [62, { name: 'reqAccountSummary', idField: 2 }],
  [63, { name: 'cancelAccountSummary', idField: 2 }],
  [64, { name: 'cancelPositions' }],
  [65, { name: 'verifyRequest' }],
  [66, { name: 'verifyMessage' }],
  [67, { name: 'queryDisplayGroups', idField: 2 }],
  [68, { name: 'subscribeToGroupEvents', idField: 2 }],
  [69, { name: 'updateDisplayGroup', idField: 2 }],
  [70, { name: 'unsubscribeFromGroupEvents', idField: 2 }],
  [71, { name: 'startApi' }],
  [72, { name: 'verifyAndAuthRequest' }],
  [73, { name: 'verifyAndAuthMessage' }],
  [74, { name: 'reqPositionsMulti', idField: 2 }],
  [75, { name: 'cancelPositionsMulti', idField: 2 }],
  [76, { name: 'reqAccountUpdatesMulti', idField: 2 }],
  [77, { name: 'cancelAccountUpdatesMulti', idField: 2 }],
  [78, { name: 'reqSecDefOptParams', idField: 1 }],
  [79, { name: 'reqSoftDollarTiers', idField: 1 }],
  [80, { name: 'reqFamilyCodes' }],
  [81, { name: 'reqMatchingSymbols', idField: 1 }],
  [82, { name: 'reqMktDepthExchanges' }],
  [83, { name: 'reqSmartComponents', idField: 1 }],
  [84, { name: 'reqNewsArticle', idField: 1 }],
  [85, { name: 'reqNewsProviders' }],
  [86, { name: 'reqHistoricalNews', idField: 1 }],
  [87, { name: 'reqHeadTimestamp', idField: 1 }],
  [88, { name: 'reqHistogramData', idField: 1 }],
  [89, { name: 'cancelHistogramData', idField: 1 }],
  [90, { name: 'cancelHeadTimestamp', idField: 1 }],
  [91, { name: 'reqMarketRule' }],
  [92, { name: 'reqPnL', idField: 1 }],
  [93, { name: 'cancelPnL', idField: 1 }],
  [94, { name: 'reqPnLSingle', idField: 1 }],
  [95, { name: 'cancelPnLSingle', idField: 1 }],
  [96, { name: 'reqHistoricalTicks', idField: 1 }],
  [97, { name: 'reqTickByTickData', idField: 1 }],
  [98, { name: 'cancelTickByTickData', idField: 1 }],
  [99, { name: 'reqCompletedOrders' }],
  [100, { name: 'reqWshMetaData', idField: 1 }],
  [101, { name: 'cancelWshMetaData', idField: 1 }],
  [102, { name: 'reqWshEventData', idField: 1 }],
  [103, { name: 'cancelWshEventData', idField: 1 }],
  [104, { name: 'reqUserInfo', idField: 1 }],
]);

/** The request's own id, -1 when the layout has none or the field is not an integer. */
function requestId(layout: RequestLayout, r: FieldReader): number {
  if (layout.idField === undefined || r.remaining < layout.idField) return -1;
  try {
    r.skip(layout.idField - 1);
    return r.int();
  } catch {
    return -1; // a malformed id field: the answer still goes out, on -1
  }
}

export type UnsupportedAnswer =
  | { readonly kind: 'error'; readonly reqId: number; readonly code: number; readonly text: string }
  | { readonly kind: 'ignore'; readonly request: string };

/** What the sim answers to a message id no handler takes (pure: the id and the message's fields). */
export function unsupportedAnswer(messageId: number, r: FieldReader): UnsupportedAnswer {
  const layout = LAYOUTS.get(messageId);
  if (layout === undefined)
    return {
      kind: 'error',
      reqId: -1,
      code: 320,
      text: `Error reading request:Message type ${messageId}.  Unsupported message type.`,
    };
  if (/^(cancel|unsubscribe)/.test(layout.name)) return { kind: 'ignore', request: layout.name };
  const e = processingError(`${layout.name} is not supported by ib-sim`);
  return { kind: 'error', reqId: requestId(layout, r), ...e };
}

export function answerUnsupported(session: Session, messageId: number, r: FieldReader): void {
  const answer = unsupportedAnswer(messageId, r);
  if (answer.kind === 'ignore') {
    session.log.warn({ messageId, request: answer.request }, 'unsupported cancel ignored');
    return;
  }
  session.log.warn({ messageId, reqId: answer.reqId, code: answer.code }, 'unsupported message answered');
  session.error(answer.reqId, answer.code, answer.text);
}
