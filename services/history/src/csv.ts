import type { BarData, OrderView, TradeRecord } from '@trading-system/contracts';

/**
 * CSV (RFC 4180): header row, comma separator, CRLF line ends, fields quoted when they contain a comma, quote or
 * line break. Decimals are written exactly as stored; times as epoch ms and ISO-8601 UTC.
 */
export function csvField(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(fields: ReadonlyArray<string | number | boolean | undefined>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export const BAR_CSV_HEADER = csvLine([
  'symbol',
  'instrumentId',
  'timeframe',
  'tsStartMs',
  'start',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'wap',
  'count',
  'gap',
]);
export function barCsvLine(symbol: string, instrumentId: string, timeframe: string, b: BarData): string {
  return csvLine([
    symbol,
    instrumentId,
    timeframe,
    b.tsStartMs,
    iso(b.tsStartMs),
    b.open,
    b.high,
    b.low,
    b.close,
    b.volume,
    b.wap,
    b.count,
    b.gap,
  ]);
}

export const ORDER_CSV_HEADER = csvLine([
  'clientOrderId',
  'broker',
  'account',
  'symbol',
  'instrumentId',
  'side',
  'quantity',
  'orderType',
  'limitPrice',
  'stopPrice',
  'tif',
  'strategy',
  'state',
  'filledQty',
  'avgFillPrice',
  'createdAtMs',
  'createdAt',
  'updatedAtMs',
]);
export function orderCsvLine(o: OrderView): string {
  return csvLine([
    o.clientOrderId,
    o.broker,
    o.account,
    o.instrument.symbol,
    o.instrument.id,
    o.side,
    o.quantity,
    o.orderType,
    o.limitPrice,
    o.stopPrice,
    o.tif,
    o.strategy,
    o.state,
    o.filledQty,
    o.avgFillPrice,
    o.createdAtMs,
    iso(o.createdAtMs),
    o.updatedAtMs,
  ]);
}

export const TRADE_CSV_HEADER = csvLine([
  'execId',
  'clientOrderId',
  'broker',
  'account',
  'symbol',
  'instrumentId',
  'side',
  'quantity',
  'price',
  'commission',
  'commissionCurrency',
  'realizedPnl',
  'strategy',
  'tsEventMs',
  'time',
]);
export function tradeCsvLine(t: TradeRecord): string {
  return csvLine([
    t.execId,
    t.clientOrderId,
    t.broker,
    t.account,
    t.symbol,
    t.instrumentId,
    t.side,
    t.quantity,
    t.price,
    t.commission,
    t.commissionCurrency,
    t.realizedPnl,
    t.strategy,
    t.tsEventMs,
    iso(t.tsEventMs),
  ]);
}

/**
 * Groups `header` and lines into text chunks of at most `maxChars` characters (a line is never split); `rows`
 * counts data lines only.
 */
export function* textChunks(
  header: string,
  lines: Iterable<string>,
  maxChars: number,
): Generator<{ data: string; rows: number }> {
  let buf = header;
  let rows = 0;
  for (const line of lines) {
    if (buf.length > 0 && buf.length + line.length > maxChars) {
      yield { data: buf, rows };
      buf = '';
      rows = 0;
    }
    buf += line;
    rows += 1;
  }
  if (buf.length > 0) yield { data: buf, rows };
}
