import type { Bus } from '@trading-system/bus';
import type { HistBarsQuery, HistExportRequest, OkReplyOf, RequestBody } from '@trading-system/contracts';
import {
  type BarColumnsResult,
  type BarsResult,
  fetchBarColumns,
  fetchBars,
  fetchExport,
  type StreamOptions,
  type TextResult,
} from './history.js';
import { callService } from './request.js';

/**
 * The client of history: bars (streamed, as objects or columns), CSV export (streamed), and the order and trade
 * history (`hist.orders` / `hist.trades`, one page per call).
 */
export class HistoryClient {
  constructor(
    private readonly bus: Bus,
    private readonly options: { readonly timeoutMs: number },
  ) {}

  bars(query: HistBarsQuery, options: StreamOptions = {}): Promise<BarsResult> {
    return fetchBars(this.bus, query, { requestTimeoutMs: this.options.timeoutMs, ...options });
  }
  columns(query: HistBarsQuery, options: StreamOptions = {}): Promise<BarColumnsResult> {
    return fetchBarColumns(this.bus, query, { requestTimeoutMs: this.options.timeoutMs, ...options });
  }
  export(what: HistExportRequest['export'], options: StreamOptions = {}): Promise<TextResult> {
    return fetchExport(this.bus, what, { requestTimeoutMs: this.options.timeoutMs, ...options });
  }
  orders(body: RequestBody<'hist.orders'>): Promise<OkReplyOf<'hist.orders'>> {
    return callService(this.bus, 'hist.orders', body, this.options);
  }
  trades(body: RequestBody<'hist.trades'>): Promise<OkReplyOf<'hist.trades'>> {
    return callService(this.bus, 'hist.trades', body, this.options);
  }
}
