/**
 * Order helpers of the conformance suite: prices on the instrument's tick grid around the current quote, placing
 * through `placeOrder`, and the event sequences an order must produce (in the contract's BrokerOrderState words:
 * each gateway maps its broker's own words to them).
 */
import { randomUUID } from 'node:crypto';
import {
  type BrokerOrderState,
  type BrokerPlaceOrderRequest,
  FINAL_BROKER_ORDER_STATES,
  type OrderType,
} from '@trading-system/contracts';
import type { BrokerClient, EventOf } from './broker-client.js';
import type { ConformanceTarget } from './target.js';

/** Accepted by the broker and resting: held (waiting for a trigger or session) or working at the venue. */
export const WORKING: ReadonlySet<string> = new Set<BrokerOrderState>(['held', 'working']);
export const FINAL: ReadonlySet<string> = FINAL_BROKER_ORDER_STATES;

export const newClientOrderId = (): string => `cf-${randomUUID().slice(0, 23)}`;

/** Prices on the tick grid: `bid`/`ask` of the quote, and helpers to stay far from or cross it. */
export interface PriceGrid {
  readonly bid: number;
  readonly ask: number;
  /** Rounds to the tick grid (down or up), as the decimal string an order carries. */
  round(p: number, dir: 'down' | 'up'): string;
}

export function priceGrid(minTick: string, bid: number, ask: number): PriceGrid {
  const tick = Number(minTick);
  const decimals = minTick.includes('.') ? (minTick.split('.')[1]?.length ?? 0) : 0;
  return {
    bid,
    ask,
    round: (p, dir) => {
      const steps = dir === 'down' ? Math.floor(p / tick + 1e-9) : Math.ceil(p / tick - 1e-9);
      return (steps * tick).toFixed(decimals);
    },
  };
}

/** Prices that make a BUY of `type` rest (far from the market) or execute at once (cross it by far). */
export function buyPrices(
  type: OrderType,
  g: PriceGrid,
  mode: 'rest' | 'execute',
): Pick<BrokerPlaceOrderRequest, 'limitPrice' | 'stopPrice'> {
  const below = g.round(g.bid * 0.9, 'down');
  const above = g.round(g.ask * 1.1, 'up');
  const wayAbove = g.round(g.ask * 1.2, 'up');
  switch (type) {
    case 'MKT':
      return {};
    case 'LMT':
      return { limitPrice: mode === 'rest' ? below : above };
    // A buy stop triggers once the market trades at or above it: far above rests, below the market triggers now.
    case 'STP':
      return { stopPrice: mode === 'rest' ? above : below };
    case 'STP LMT':
      return mode === 'rest' ? { stopPrice: above, limitPrice: wayAbove } : { stopPrice: below, limitPrice: above };
  }
}

export class OrderDriver {
  constructor(
    private readonly t: ConformanceTarget,
    private readonly c: BrokerClient,
  ) {}

  body(clientOrderId: string, over: Partial<BrokerPlaceOrderRequest> = {}): BrokerPlaceOrderRequest {
    return {
      v: 1,
      clientOrderId,
      account: this.t.account,
      instrument: this.t.orderInstrument,
      side: 'BUY',
      quantity: this.t.orderQuantity,
      orderType: 'MKT',
      tif: 'DAY',
      outsideRth: false,
      ...over,
    };
  }

  /** Places the order and returns the broker order id; throws with the error reply when refused. */
  async place(body: BrokerPlaceOrderRequest): Promise<string> {
    const r = await this.c.command('placeOrder', body);
    if (!r.ok) throw new Error(`placeOrder ${body.clientOrderId} refused: ${r.code} ${r.message}`);
    return r.orderId;
  }

  working(clientOrderId: string): Promise<EventOf<'orderStatus'>> {
    return this.c.waitFor(
      'orderStatus',
      (s) => s.clientOrderId === clientOrderId && WORKING.has(s.status),
      `${clientOrderId} working`,
    );
  }

  final(clientOrderId: string): Promise<EventOf<'orderStatus'>> {
    return this.c.waitFor(
      'orderStatus',
      (s) => s.clientOrderId === clientOrderId && FINAL.has(s.status),
      `${clientOrderId} final`,
    );
  }

  executions(clientOrderId: string): EventOf<'execution'>['execution'][] {
    return this.c.all('execution', (e) => e.execution.clientOrderId === clientOrderId).map((e) => e.execution);
  }

  /** Waits until the order's executions add up to `filled` and each has its commission report. */
  async fillsComplete(clientOrderId: string, filled: number): Promise<EventOf<'execution'>['execution'][]> {
    return this.c.waitUntil(() => {
      const xs = this.executions(clientOrderId);
      const sum = xs.reduce((a, x) => a + Number(x.quantity), 0);
      if (sum !== filled) return undefined;
      const reported = xs.every((x) => this.c.all('commissionReport', (r) => r.execId === x.execId).length > 0);
      return reported ? xs : undefined;
    }, `${clientOrderId}: executions of ${filled} with commissions`);
  }

  async cancel(clientOrderId: string, orderId: string): Promise<void> {
    const r = await this.c.command('cancelOrder', { v: 1, clientOrderId, orderId });
    if (!r.ok) throw new Error(`cancelOrder ${clientOrderId} refused: ${r.code} ${r.message}`);
  }

  /**
   * Whether the broker refused the order: an error reply (nothing sent), or an orderRejected for the place and a
   * final status without a fill.
   */
  async refused(body: BrokerPlaceOrderRequest): Promise<boolean> {
    const r = await this.c.command('placeOrder', body);
    if (!r.ok) return true;
    await this.c.waitFor(
      'orderRejected',
      (x) => x.clientOrderId === body.clientOrderId && (x.action ?? 'place') === 'place',
      `${body.clientOrderId} rejected`,
    );
    return this.executions(body.clientOrderId).length === 0;
  }
}
