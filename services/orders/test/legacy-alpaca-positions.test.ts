/**
 * Alpaca positions traded across the instrument-id upgrade: the version before named an Alpaca asset by a hashed
 * decimal id, gateway-alpaca now by the asset UUID and keeps the hashed ids as aliases of it. A ledger with fills
 * under the old id (written by the version before) and fills of the same order under the UUID shows ONE position,
 * under the UUID, as the broker reports it, and finds no difference with the broker.
 */
import { randomUUID } from 'node:crypto';
import { Subjects } from '@trading-system/contracts';
import { afterEach, describe, expect, test } from 'vitest';
import { ACCOUNT, type Harness, startHarness } from './harness.js';
import {
  alpacaAssetAcrossUpgrade,
  fillRestUnderUuid,
  migrateBefore,
  writeFortyBoughtUnderHashedId,
} from './legacy-ledger.js';
import type { Reply } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const UUID = 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415';
const { hashed, asset } = alpacaAssetAcrossUpgrade(UUID);

describe('an Alpaca ledger from before the asset-UUID ids', () => {
  test('fills under the old hashed id and under the UUID make one position, under the UUID', async () => {
    const id = `old-${randomUUID()}`;
    const execId = `old-exec-${randomUUID()}`;
    h = await startHarness('nats-pg', {
      prepare: async (database, schema, broker) => {
        await migrateBefore(database, schema, '0009');
        await writeFortyBoughtUnderHashedId(
          database.withSchema(schema),
          { clientOrderId: id, execId, broker, account: ACCOUNT },
          UUID,
        );
      },
    });
    const x = h;
    x.gateway.aliases.set(String(hashed), asset);
    // The rest of the order fills after the upgrade, reported under the UUID.
    await fillRestUnderUuid(x, id, execId, UUID);
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
