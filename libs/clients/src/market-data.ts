import type { Bus } from '@trading-system/bus';
import type { OkReplyOf, RequestBody } from '@trading-system/contracts';
import { type CallOptions, callService } from './request.js';

/** The client of market-data (`md.subscribe` / `md.unsubscribe` / `md.snapshot`), typed by its requests. */
export class MarketDataClient {
  constructor(
    private readonly bus: Bus,
    private readonly options: CallOptions,
  ) {}

  subscribe(body: RequestBody<'md.subscribe'>): Promise<OkReplyOf<'md.subscribe'>> {
    return callService(this.bus, 'md.subscribe', body, this.options);
  }
  unsubscribe(body: RequestBody<'md.unsubscribe'>): Promise<OkReplyOf<'md.unsubscribe'>> {
    return callService(this.bus, 'md.unsubscribe', body, this.options);
  }
  snapshot(body: RequestBody<'md.snapshot'>): Promise<OkReplyOf<'md.snapshot'>> {
    return callService(this.bus, 'md.snapshot', body, this.options);
  }
}
