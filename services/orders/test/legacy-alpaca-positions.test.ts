/**
 * Alpaca positions traded across the instrument-id upgrade: the version before named an Alpaca asset by a hashed
 * decimal id, gateway-alpaca now by the asset UUID and keeps the hashed ids as aliases of it. A ledger with fills
 * under the old id (written by the version before) and fills of the same order under the UUID shows ONE position,
 * under the UUID, as the broker reports it, and finds no difference with the broker.
 */
import { randomUUID } from 'node:crypto';
import { type Instrument, Subjects } from '@trading-system/contracts';
import { afterEach, describe, expect, test } from 'vitest';
import { ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { acceptedEvent, migrateBefore, writeOrderRow, writeTrail } from './legacy-ledger.js';
import { get, type Reply } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The hashed id the version before gave the asset (a decimal, stored in the integer con_id columns then). */
const HASHED = 1_739_204_611;
const UUID = 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415';
const ASSET: Instrument = {
  id: UUID,
  secType: 'STK',
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'NASDAQ',
  currency: 'USD',
  minTick: '0.01',
};
const { id: _, ...rest } = ASSET;
const OLD_ASSET = { conId: HASHED, ...rest };

describe('an Alpaca ledger from before the asset-UUID ids', () => {
  test('fills under the old hashed id and under the UUID make one position, under the UUID', async () => {
    const id = `old-${randomUUID()}`;
    const execId = `old-exec-${randomUUID()}`;
    h = await startHarness('nats-pg', {
      prepare: async (database, schema, broker) => {
        await migrateBefore(database, schema, '0009');
        const s = database.withSchema(schema);
        const now = Date.now();
        await writeOrderRow(s, {
          client_order_id: id,
          broker,
          account: ACCOUNT,
          con_id: HASHED,
          instrument: OLD_ASSET,
          state: 'partiallyFilled',
          filled_qty: '40',
          fill_notional: '6000',
          broker_order_id: '61',
          last_seq: 3,
          atMs: now,
        });
        const accepted = acceptedEvent(OLD_ASSET);
        const fill = {
          kind: 'partiallyFilled',
          execId,
          side: 'BUY',
          price: '150',
          quantity: '40',
          cumQty: '40',
          leavesQty: '60',
          avgPrice: '150',
          brokerOrderId: '61',
        };
        const submitted = { kind: 'statusChanged', from: 'accepted', to: 'submitted', brokerStatus: 'working' };
        await writeTrail(s, { clientOrderId: id, broker, account: ACCOUNT, atMs: now }, [
          accepted,
          { ...submitted, brokerOrderId: '61' },
          fill,
        ]);
        await s
          .insertInto('fills')
          .values({
            exec_id: execId,
            client_order_id: id,
            broker,
            account: ACCOUNT,
            con_id: HASHED,
            side: 'BUY',
            quantity: '40',
            price: '150',
            exec_time_ms: now,
            created_at_ms: now,
          })
          .execute();
      },
    });
    const x = h;
    x.gateway.aliases.set(String(HASHED), ASSET);
    // The rest of the order fills after the upgrade, reported under the UUID.
    const now = Date.now();
    await x.brokerEvent('execution', {
      eventId: `exec-${execId}-2`,
      tsEventMs: now,
      execution: {
        orderId: '61',
        clientOrderId: id,
        execId: `${execId}-2`,
        account: ACCOUNT,
        instrumentId: UUID,
        side: 'BUY',
        quantity: '60',
        price: '151',
        cumQty: '100',
        avgPrice: '150.6',
        exchange: 'NASDAQ',
        execTimeMs: now,
      },
    });
    await waitUntil(async () => ((await get(x, id)).order?.state === 'filled' ? true : undefined));
    x.gateway.positions = [
      {
        broker: x.broker,
        account: ACCOUNT,
        instrumentId: UUID,
        symbol: 'AAPL',
        secType: 'STK',
        currency: 'USD',
        quantity: '100',
      },
    ];
    const pos = await x.request<Reply & { positions: unknown[]; differences: unknown[] }>(
      Subjects.ordersPositions.build(),
      { v: 1, broker: x.broker },
    );
    expect(pos.positions).toEqual([
      expect.objectContaining({ instrumentId: UUID, quantity: '100', account: ACCOUNT, symbol: 'AAPL' }),
    ]);
    expect(pos.differences).toEqual([]);
  }, 120_000);
});
