/**
 * Encoders of the tick-by-tick and market-depth messages (layouts at server versions 176-178, identical for all
 * three). Checked against @stoqey/ib's decoder (decodeMsg_TICK_BY_TICK, _MARKET_DEPTH, _MARKET_DEPTH_L2,
 * _MKT_DEPTH_EXCHANGES), IB's Java EDecoder (processTickByTickMsg, processMarketDepthMsg, processMarketDepthL2Msg,
 * processMktDepthExchangesMsg) and ib_async's decoder (tickByTick, handlers 12/13, mktDepthExchanges): every
 * field below is read by all three, none left over (@stoqey/ib reports 505 on a leftover field).
 */
import type { DepthVenue } from '../market/depth-venues.js';
import type { BookOp } from '../market/order-book.js';
import type { TickByTick } from '../market/tick-by-tick.js';
import type { Fields } from './encoders.js';
import { fmtDouble, fmtInt } from './fields.js';
import { OUT } from './message-ids.js';

const size = (n: number): string => String(Math.round(n));

/**
 * TICK_BY_TICK, no version field: reqId, tickType (1 Last, 2 AllLast, 3 BidAsk, 4 MidPoint), time (epoch seconds;
 * ib_async int()s it), then per type — Last/AllLast: price, size, mask (1 pastLimit, 2 unreported), exchange,
 * specialConditions (9 fields); BidAsk: bid, ask, bidSize, askSize, mask (1 bidPastLow, 2 askPastHigh) (9 fields);
 * MidPoint: midPoint (5 fields).
 */
export function tickByTick(reqId: number, tickType: number, tick: TickByTick): Fields {
  const head = [String(OUT.TICK_BY_TICK), fmtInt(reqId), fmtInt(tickType), fmtInt(tick.timeS)];
  switch (tick.kind) {
    case 'last':
      return [
        ...head,
        fmtDouble(tick.price),
        size(tick.size),
        fmtInt((tick.pastLimit ? 1 : 0) | (tick.unreported ? 2 : 0)),
        tick.exchange,
        tick.specialConditions,
      ];
    case 'bidAsk':
      return [
        ...head,
        fmtDouble(tick.bid),
        fmtDouble(tick.ask),
        size(tick.bidSize),
        size(tick.askSize),
        fmtInt((tick.bidPastLow ? 1 : 0) | (tick.askPastHigh ? 2 : 0)),
      ];
    case 'midPoint':
      return [...head, fmtDouble(tick.midPoint)];
  }
}

/** MARKET_DEPTH: version, id, position, operation (0 insert, 1 update, 2 delete), side (0 ask, 1 bid), price, size. */
export function marketDepth(reqId: number, op: BookOp): Fields {
  return [
    String(OUT.MARKET_DEPTH),
    '1',
    fmtInt(reqId),
    fmtInt(op.position),
    fmtInt(op.operation),
    fmtInt(op.side),
    fmtDouble(op.level.price),
    size(op.level.size),
  ];
}

/** MARKET_DEPTH_L2: as MARKET_DEPTH with the market maker after the position and isSmartDepth last (sv ≥ 146). */
export function marketDepthL2(reqId: number, op: BookOp, isSmartDepth: boolean): Fields {
  return [
    String(OUT.MARKET_DEPTH_L2),
    '1',
    fmtInt(reqId),
    fmtInt(op.position),
    op.level.marketMaker,
    fmtInt(op.operation),
    fmtInt(op.side),
    fmtDouble(op.level.price),
    size(op.level.size),
    isSmartDepth ? '1' : '0',
  ];
}

/** MKT_DEPTH_EXCHANGES, no version: count, then exchange, secType, listingExch, serviceDataType, aggGroup (sv ≥ 120). */
export function mktDepthExchanges(venues: readonly DepthVenue[]): Fields {
  const out: Fields = [String(OUT.MKT_DEPTH_EXCHANGES), fmtInt(venues.length)];
  for (const v of venues) out.push(v.exchange, v.secType, v.listingExch, v.serviceDataType, fmtInt(v.aggGroup));
  return out;
}
