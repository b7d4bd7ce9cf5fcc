/**
 * reqMktDepth (10) / cancelMktDepth (11) → MARKET_DEPTH (12) or MARKET_DEPTH_L2 (13), and reqMktDepthExchanges (82)
 * → MKT_DEPTH_EXCHANGES (80). The book (market/order-book.ts) opens with one insert per row and then follows the
 * quote at the instrument's tick cadence with inserts, updates and tail deletes. L2 when the venue names a market
 * maker per row (ISLAND) or the request is SMART depth (the row's exchange in the market-maker field).
 * Refusals: 102 duplicate id, 200 unknown contract, 10092 no depth for that secType/exchange, 309 no deep book left
 * (account-wide), 101 market-data line budget; cancel of an unknown id: 310.
 */

import type { Instrument } from '../../instruments/instrument.js';
import { DEPTH_VENUES, depthVenue, ISLAND_MARKET_MAKERS, smartDepthVenues } from '../../market/depth-venues.js';
import { type Book, type BookSpec, bookAt, diffBook, EMPTY_BOOK } from '../../market/order-book.js';
import { readContract } from '../../wire/contract-fields.js';
import type { FieldReader } from '../../wire/fields.js';
import { marketDepth, marketDepthL2, mktDepthExchanges } from '../../wire/market-extras-encoders.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import {
  DEPTH_LINES,
  deepBookLimit,
  depthFull,
  EXTRAS_ERRORS,
  returnLines,
  takeDepth,
  takeLines,
} from '../market-extras-limits.js';
import type { SimContext } from '../sim-context.js';
import { TWS_ERRORS } from '../tws-errors.js';
import { admitStream } from './stream-admission.js';

/** Rows a book holds at most; a larger numRows gets what is there, as from TWS ("returns the available entries"). */
export const MAX_DEPTH_ROWS = 10;

const depthKey = (reqId: number): string => `depth:${reqId}`;

function readDepthRequest(r: FieldReader) {
  r.skip(); // version
  const reqId = r.int();
  const contract = readContract(r);
  const numRows = r.int();
  const isSmartDepth = r.remaining > 0 ? r.bool() : false;
  r.optionalStr(); // mktDepthOptions
  return { reqId, contract, numRows, isSmartDepth };
}

interface DepthPlan {
  readonly spec: BookSpec;
  /** MARKET_DEPTH_L2 (market maker per row) instead of MARKET_DEPTH. */
  readonly l2: boolean;
}

/** How this instrument's book is served for the request, or undefined when TWS has no such depth (10092). */
function planDepth(
  instrument: Instrument,
  exchange: string,
  isSmartDepth: boolean,
  numRows: number,
): DepthPlan | undefined {
  const rows = Math.max(0, Math.min(numRows, MAX_DEPTH_ROWS));
  if (isSmartDepth) {
    const venues = smartDepthVenues(instrument.secType);
    return venues.length === 0 ? undefined : { spec: { rows, venues }, l2: true };
  }
  const venue = depthVenue(instrument.secType, exchange);
  if (venue === undefined) return undefined;
  if (venue.listingExch !== '' && venue.listingExch !== instrument.primaryExchange) return undefined;
  const l2 = venue.serviceDataType === 'Deep2';
  return { spec: { rows, venues: l2 ? ISLAND_MARKET_MAKERS : [] }, l2 };
}

export function registerMarketDepthHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_MKT_DEPTH, (session, r, sim: SimContext) => {
    const req = readDepthRequest(r);
    const { reqId, isSmartDepth } = req;
    const instrument = admitStream(session, sim, reqId, depthKey(reqId), req.contract);
    if (!instrument) return;
    const plan = planDepth(instrument, req.contract.exchange, isSmartDepth, req.numRows);
    if (plan === undefined) {
      session.error(reqId, EXTRAS_ERRORS.depthNotSupported.code, EXTRAS_ERRORS.depthNotSupported.text);
      return;
    }
    if (depthFull(sim, instrument.conId)) {
      const e = EXTRAS_ERRORS.maxDepth(deepBookLimit(sim));
      session.error(reqId, e.code, e.text);
      return;
    }
    if (!takeLines(sim, DEPTH_LINES)) {
      session.error(reqId, TWS_ERRORS.maxTickers.code, TWS_ERRORS.maxTickers.text);
      return;
    }
    const releaseBook = takeDepth(sim, instrument.conId);
    let sent: Book = EMPTY_BOOK;
    const publish = (): void => {
      const next = bookAt(sim.quotes, instrument, sim.clock.now(), plan.spec);
      for (const op of diffBook(sent, next)) {
        session.send(plan.l2 ? marketDepthL2(reqId, op, isSmartDepth) : marketDepth(reqId, op));
      }
      sent = next;
    };
    publish();
    const stop = sim.clock.setRepeating(publish, instrument.tickIntervalMs);
    session.hold(depthKey(reqId), () => {
      stop();
      releaseBook();
      returnLines(sim, DEPTH_LINES);
    });
  });

  registry.register(IN.CANCEL_MKT_DEPTH, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    r.optionalStr(); // isSmartDepth (sv ≥ 146)
    if (!session.release(depthKey(reqId))) {
      const e = EXTRAS_ERRORS.depthNotFound(reqId);
      session.error(reqId, e.code, e.text);
    }
  });

  registry.register(IN.REQ_MKT_DEPTH_EXCHANGES, (session) => {
    session.send(mktDepthExchanges(DEPTH_VENUES));
  });
}
