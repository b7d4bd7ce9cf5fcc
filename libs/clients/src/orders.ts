import type { Bus } from '@trading-system/bus';
import type { OkReplyOf, RequestBody } from '@trading-system/contracts';
import { type CallOptions, callService } from './request.js';

/**
 * The client of the OMS (`orders.*`): every call typed by its request, an error reply thrown as a ContractError.
 * `listAll` follows `nextCursor` to the last page.
 */
export class OrdersClient {
  constructor(
    private readonly bus: Bus,
    private readonly options: CallOptions,
  ) {}

  submit(body: RequestBody<'orders.submit'>): Promise<OkReplyOf<'orders.submit'>> {
    return callService(this.bus, 'orders.submit', body, this.options);
  }
  modify(body: RequestBody<'orders.modify'>): Promise<OkReplyOf<'orders.modify'>> {
    return callService(this.bus, 'orders.modify', body, this.options);
  }
  cancel(body: RequestBody<'orders.cancel'>): Promise<OkReplyOf<'orders.cancel'>> {
    return callService(this.bus, 'orders.cancel', body, this.options);
  }
  cancelAll(body: RequestBody<'orders.cancelAll'>): Promise<OkReplyOf<'orders.cancelAll'>> {
    return callService(this.bus, 'orders.cancelAll', body, this.options);
  }
  get(body: RequestBody<'orders.get'>): Promise<OkReplyOf<'orders.get'>> {
    return callService(this.bus, 'orders.get', body, this.options);
  }
  list(body: RequestBody<'orders.list'>): Promise<OkReplyOf<'orders.list'>> {
    return callService(this.bus, 'orders.list', body, this.options);
  }
  /** Every page of `orders.list` for one filter, newest first. */
  async listAll(
    body: Omit<RequestBody<'orders.list'>, 'cursor'>,
  ): Promise<OkReplyOf<'orders.list'>['orders'][number][]> {
    const out: OkReplyOf<'orders.list'>['orders'][number][] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...body, ...(cursor === undefined ? {} : { cursor }) });
      out.push(...page.orders);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return out;
  }
  positions(body: RequestBody<'orders.positions'>): Promise<OkReplyOf<'orders.positions'>> {
    return callService(this.bus, 'orders.positions', body, this.options);
  }
  tradingState(body: RequestBody<'orders.tradingState'>): Promise<OkReplyOf<'orders.tradingState'>> {
    return callService(this.bus, 'orders.tradingState', body, this.options);
  }
  riskLimits(body: RequestBody<'orders.riskLimits'>): Promise<OkReplyOf<'orders.riskLimits'>> {
    return callService(this.bus, 'orders.riskLimits', body, this.options);
  }
}
