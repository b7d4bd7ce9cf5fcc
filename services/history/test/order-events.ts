/** A small, fixed story of order events for read-model tests. */
import type { Instrument, OrderEvent } from '@trading-system/contracts';
import { INSTRUMENT } from './helpers.js';

const MSFT: Instrument = { ...INSTRUMENT, id: '272093', symbol: 'MSFT', localSymbol: 'MSFT' };
export const T0 = Date.parse('2024-03-12T15:00:00Z');

export function orderStory(broker: string, account: string, tag: string): OrderEvent[] {
  const base = (clientOrderId: string, seq: number, dt: number) => ({
    v: 1 as const,
    eventId: `${clientOrderId}-${seq}`,
    clientOrderId,
    seq,
    broker,
    account,
    tsEventMs: T0 + dt,
    tsInitMs: T0 + dt + 1,
  });
  const o1 = `${tag}-o1`;
  const o2 = `${tag}-o2`;
  const o3 = `${tag}-o3`;
  return [
    {
      ...base(o1, 1, 0),
      kind: 'accepted',
      strategy: 'meanrev',
      instrument: INSTRUMENT,
      side: 'BUY',
      quantity: '100',
      orderType: 'LMT',
      limitPrice: '187.30',
      tif: 'DAY',
      outsideRth: false,
    },
    {
      ...base(o1, 2, 10),
      kind: 'statusChanged',
      from: 'accepted',
      to: 'submitted',
      brokerOrderId: '7',
      permId: '9001',
    },
    {
      ...base(o1, 3, 20),
      kind: 'partiallyFilled',
      execId: `${tag}.e1`,
      side: 'BUY',
      price: '187.25',
      quantity: '40',
      cumQty: '40',
      leavesQty: '60',
      avgPrice: '187.25',
    },
    { ...base(o1, 4, 30), kind: 'commission', execId: `${tag}.e1`, commission: '0.35', currency: 'USD' },
    {
      ...base(o1, 5, 40),
      kind: 'filled',
      execId: `${tag}.e2`,
      side: 'BUY',
      price: '187.30',
      quantity: '60',
      cumQty: '100',
      leavesQty: '0',
      avgPrice: '187.28',
      commission: '0.65',
      commissionCurrency: 'USD',
    },
    {
      ...base(o2, 1, 50),
      kind: 'accepted',
      instrument: MSFT,
      side: 'SELL',
      quantity: '5',
      orderType: 'LMT',
      limitPrice: '410.125',
      tif: 'GTC',
      outsideRth: false,
    },
    { ...base(o2, 2, 60), kind: 'statusChanged', from: 'accepted', to: 'submitted' },
    { ...base(o2, 3, 70), kind: 'cancelled', filledQty: '0', reason: 'user' },
    {
      ...base(o3, 1, 80),
      kind: 'denied',
      reasonCode: 'RISK_MAX_QUANTITY',
      rule: 'maxQuantity',
      message: 'quantity 1000000 > 1000',
    },
  ] as OrderEvent[];
}
