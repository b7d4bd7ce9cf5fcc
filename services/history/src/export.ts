import type { HistExportRequest } from '@trading-system/contracts';
import type { Kysely } from '@trading-system/storage';
import { queryOrders, queryTrades } from './audit-queries.js';
import type { BarsService, PreparedBars } from './bars-service.js';
import {
  BAR_CSV_HEADER,
  barCsvLine,
  ORDER_CSV_HEADER,
  orderCsvLine,
  TRADE_CSV_HEADER,
  textChunks,
  tradeCsvLine,
} from './csv.js';
import type { HistoryDb } from './db-types.js';
import type { StreamPublisher } from './stream-publisher.js';

/** Characters per text chunk: ≤ 4 bytes each in UTF-8 keeps a chunk under 1 MiB even for non-ASCII text. */
const CHUNK_CHARS = 200_000;

/** Streams the CSV of one export as `text/csv` chunks (paging fields of the query are ignored). */
export async function runExport(
  deps: { db: Kysely<HistoryDb>; bars: BarsService; prepared: PreparedBars | undefined },
  spec: HistExportRequest['export'],
  out: StreamPublisher,
): Promise<void> {
  let header: string;
  let lines: Iterable<string>;
  if (spec.what === 'bars') {
    const p = deps.prepared;
    if (p === undefined) throw new TypeError('bars export without prepared bars');
    const bars = await deps.bars.barObjects(p);
    header = BAR_CSV_HEADER;
    lines = bars.map((b) => barCsvLine(p.instrument.symbol, p.instrument.id, p.plan.timeframe, b));
  } else if (spec.what === 'orders') {
    const { limit: _l, cursor: _c, ...q } = spec.query;
    const { orders } = await queryOrders(deps.db, { ...q, includeEvents: false });
    header = ORDER_CSV_HEADER;
    lines = orders.map(orderCsvLine);
  } else {
    const { limit: _l, cursor: _c, ...q } = spec.query;
    const { trades } = await queryTrades(deps.db, q);
    header = TRADE_CSV_HEADER;
    lines = trades.map(tradeCsvLine);
  }
  for (const chunk of textChunks(header, lines, CHUNK_CHARS)) out.publishText('text/csv', chunk.data, chunk.rows);
}
