/** `hist.orders` and `hist.trades`: the order/trade read model, queried. */
import type { HistOrdersReply, HistOrdersRequest, HistTradesReply, HistTradesRequest } from '@trading-system/contracts';
import type { Kysely } from '@trading-system/storage';
import { queryOrders, queryTrades } from '../audit-queries.js';
import type { HistoryDb } from '../db-types.js';

export function histOrdersHandler(db: Kysely<HistoryDb>): (req: HistOrdersRequest) => Promise<HistOrdersReply> {
  return async (req) => ({ v: 1, ok: true, ...(await queryOrders(db, req.query)) });
}

export function histTradesHandler(db: Kysely<HistoryDb>): (req: HistTradesRequest) => Promise<HistTradesReply> {
  return async (req) => ({ v: 1, ok: true, ...(await queryTrades(db, req.query)) });
}
