import type {
  AccountPnlUpdated,
  AccountPositionsReply,
  AccountPositionUpdated,
  AccountSummaryUpdated,
  BrokerAccountSummaryReply,
  BrokerPlaceOrderReply,
  BrokerPositionsReply,
} from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AAPL, type Harness, nextMessage, startHarness } from './helpers.js';

const ACCOUNT = 'DU1234567';
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

const cmd = (verb: 'positions' | 'accountSummary' | 'placeOrder') =>
  Subjects.brokerCommand.build({ broker: h.broker, verb });

describe('accounts', () => {
  test('a fill moves the position: published as an update, and answered on request', async () => {
    const update = nextMessage<AccountPositionUpdated>(
      h.bus,
      Subjects.accountEvent.build({ broker: h.broker, kind: 'position' }),
      (u) => u.position.instrumentId === AAPL,
    );
    const before = await h.bus.request<BrokerPositionsReply>(cmd('positions'), { v: 1 }, { timeoutMs: 5_000 });
    expect(before).toMatchObject({ ok: true, positions: [] });
    const placed = await h.bus.request<BrokerPlaceOrderReply>(
      cmd('placeOrder'),
      {
        v: 1,
        clientOrderId: 'acct-buy-1',
        account: ACCOUNT,
        instrument: { id: AAPL },
        side: 'BUY',
        quantity: '30',
        orderType: 'MKT',
        tif: 'DAY',
        outsideRth: false,
      },
      { timeoutMs: 5_000 },
    );
    expect(placed.ok).toBe(true);
    expect((await update).position).toMatchObject({
      account: ACCOUNT,
      quantity: '30',
      secType: 'STK',
      currency: 'USD',
    });
    const after = await h.bus.request<AccountPositionsReply>(
      Subjects.accountPositions.build({ broker: h.broker }),
      { v: 1, account: ACCOUNT },
      { timeoutMs: 5_000 },
    );
    expect(after.ok && after.positions.map((p) => [p.instrumentId, p.quantity])).toEqual([[AAPL, '30']]);
  });

  test('account summary carries the main figures and raw values; PnL updates stream', async () => {
    const pnl = nextMessage<AccountPnlUpdated>(
      h.bus,
      Subjects.accountEvent.build({ broker: h.broker, kind: 'pnl' }),
      () => true,
      5_000,
    );
    const r = await h.bus.request<BrokerAccountSummaryReply>(cmd('accountSummary'), { v: 1 }, { timeoutMs: 5_000 });
    expect(r.ok).toBe(true);
    const s = r.ok ? r.accounts[0] : undefined;
    expect(s).toMatchObject({ broker: h.broker, account: ACCOUNT, currency: 'USD' });
    expect(Number(s?.netLiquidation)).toBeGreaterThan(0);
    expect(s?.values.some((v) => v.key === 'NetLiquidation')).toBe(true);
    expect((await pnl).account).toBe(ACCOUNT);
    const unknown = await h.bus.request<BrokerAccountSummaryReply>(
      cmd('accountSummary'),
      { v: 1, account: 'DU9' },
      { timeoutMs: 5_000 },
    );
    expect(unknown).toMatchObject({ ok: false, code: 'ACCOUNT_UNKNOWN' });
  });

  test('after every (re)connect the account values download is published as a summary update', async () => {
    const summary = nextMessage<AccountSummaryUpdated>(
      h.bus,
      Subjects.accountEvent.build({ broker: h.broker, kind: 'summary' }),
      () => true,
      8_000,
    );
    h.sim.control.dropClient(h.clientId);
    const s = (await summary).summary;
    expect(s).toMatchObject({ broker: h.broker, account: ACCOUNT, currency: 'USD' });
    expect(Number(s.netLiquidation)).toBeGreaterThan(0);
    expect(s.values.length).toBeGreaterThan(3);
  });
});
