/**
 * Pre-trade risk on a position traded across the instrument-id upgrade: the version before named an Alpaca asset by
 * a hashed decimal id, gateway-alpaca now by the asset UUID (keeping the hashed id as an alias of it). A ledger with
 * 40 bought under the old id (written by the version before) and 60 under the UUID holds 100: the max-position and
 * reducing-only checks of a submit, and of a modify, decide on 100, not on the 60 under the current id alone.
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
import { type Reply, submit } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const UUID = '7f1c2a54-3d0e-4b8a-9c61-2e5f0a9d4b17';
const { hashed, asset } = alpacaAssetAcrossUpgrade(UUID);

describe('risk checks on a ledger from before the asset-UUID ids', () => {
  test('max position and reducing-only count fills under the old id and the UUID together', async () => {
    const id = `old-${randomUUID()}`;
    const execId = `old-exec-${randomUUID()}`;
    h = await startHarness('nats-pg', {
      risk: { default: { maxPosition: '100' }, accounts: {}, strategies: {} },
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
    // The gateway qualifies the asset by its UUID, and by the old id as an alias of it.
    x.gateway.aliases.set(UUID, asset);
    x.gateway.aliases.set(String(hashed), asset);
    await fillRestUnderUuid(x, id, execId, UUID);

    const order = (side: 'BUY' | 'SELL', quantity: string) => submit(x, { instrument: { id: UUID }, side, quantity });
    // 100 held: one more is 101, beyond ±100 (60 alone would allow it).
    expect(await order('BUY', '1')).toMatchObject({ ok: false, code: 'RISK_MAX_POSITION' });
    // Selling 200 ends at -100, within ±100 (60 alone would end at -140).
    const sell = await order('SELL', '200');
    expect(sell).toMatchObject({ ok: true });
    // A modify is checked on the same position: 180 ends at -80 (60 alone: -140), 201 at -101.
    const modify = (quantity: string) =>
      x.request<Reply>(Subjects.ordersModify.build(), { v: 1, clientOrderId: sell.order?.clientOrderId, quantity });
    expect(await modify('201')).toMatchObject({ ok: false, code: 'RISK_MAX_POSITION' });
    expect(await modify('180')).toMatchObject({ ok: true });

    const mode = (m: string) =>
      x.request<Reply>(Subjects.ordersTradingState.build(), {
        v: 1,
        set: { mode: m, reason: 'test', changedBy: 'operator:test' },
      });
    expect(await mode('reducingOnly')).toMatchObject({ ok: true });
    // Reducing-only: selling the 100 held reduces it (against 60 alone it would go short), one more does not.
    expect(await order('SELL', '101')).toMatchObject({ ok: false, code: 'TRADING_REDUCING_ONLY' });
    expect(await order('SELL', '100')).toMatchObject({ ok: true });
  }, 120_000);
});
