/**
 * Issue 15.5 against the running system on NATS + Postgres + ib-sim: numbers a broker would change are refused
 * at the boundary, the shipped risk limits are on, symbols are normalized, broker ids are validated — and none
 * of the refused requests reaches ib-sim or the ledger.
 */
import { ErrorReply, Subjects } from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BoundarySystem, rawRequest, startBoundarySystem } from './boundary-system.js';

let b: BoundarySystem;
let broker: string;

beforeAll(async () => {
  b = await startBoundarySystem();
  broker = b.system.broker;
}, 90_000);
afterAll(() => b?.close(), 30_000);

const AAPL = '265598';

/** The request as raw JSON text, so number literals travel exactly as written. */
async function ask(subject: string, json: string): Promise<Record<string, unknown>> {
  const { reply } = await rawRequest(b.nc, subject, json, 15_000);
  return reply as Record<string, unknown>;
}

function submitJson(fields: Record<string, unknown>, raw: Record<string, string> = {}): string {
  const body = {
    v: 1,
    broker,
    instrument: { id: AAPL },
    side: 'BUY',
    quantity: '1',
    orderType: 'LMT',
    limitPrice: '1.00',
    ...fields,
  };
  let json = JSON.stringify(body);
  // Literal number text that JSON.stringify cannot write (beyond 2^53).
  for (const [key, literal] of Object.entries(raw)) json = json.replace(`"${key}":"@"`, `"${key}":${literal}`);
  return json;
}

async function simOrders(): Promise<number> {
  const sim = b.system.sim;
  if (sim === undefined) throw new Error('the boundary system runs ib-sim');
  const { open, completed } = sim.control.orders();
  return open.length + completed.length;
}

async function ledgerRows(): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${b.ordersSchema}.orders`)}`.execute(
    b.database.db,
  );
  return Number(r.rows[0]?.n ?? 0);
}

describe('numbers, limits, names and ids at the boundary', () => {
  test('quantities and prices a broker double would change are refused, naming the field; nothing is sent', async () => {
    const before = { sim: await simOrders(), ledger: await ledgerRows() };
    const refused = async (json: string, field: RegExp) => {
      const r = ErrorReply.parse(await ask(Subjects.ordersSubmit.build(), json));
      expect(r.code, json).toBe('VALIDATION_FAILED');
      expect(r.message, json).toMatch(field);
    };
    await refused(submitJson({ quantity: '1000000000000000000000' }), /quantity: more than 15 significant digits/);
    await refused(submitJson({ quantity: '9007199254740993' }), /quantity: more than 15/);
    await refused(submitJson({ limitPrice: '99999999999999999999.99' }), /limitPrice: more than 15/);
    await refused(submitJson({ quantity: '1e21' }), /quantity: exponent/);
    await refused(submitJson({ instrument: '@' }, { instrument: '{"instrumentId":9007199254740993}' }), /instrument/);
    const modify = ErrorReply.parse(
      await ask(Subjects.ordersModify.build(), '{"v":1,"clientOrderId":"x","quantity":"12345678901234567"}'),
    );
    expect(modify).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/quantity: more/) });
    const list = ErrorReply.parse(await ask(Subjects.ordersList.build(), '{"v":1,"sinceMs":9007199254740993}'));
    expect(list).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/sinceMs/) });
    expect({ sim: await simOrders(), ledger: await ledgerRows() }).toEqual(before);
  });

  test('the shipped risk limits are on: quantity, notional, price collar against the quote', async () => {
    const before = await simOrders();
    const submit = async (fields: Record<string, unknown>) => ask(Subjects.ordersSubmit.build(), submitJson(fields));
    // The OMS has no quote of its own for AAPL yet: it takes a snapshot from the broker for the collar.
    expect(await submit({ limitPrice: '99999999999.99' })).toMatchObject({ ok: false, code: 'RISK_PRICE_COLLAR' });
    expect(await submit({ quantity: '100001' })).toMatchObject({ ok: false, code: 'RISK_MAX_QUANTITY' });
    expect(await submit({ quantity: '10000', orderType: 'MKT', limitPrice: undefined })).toMatchObject({
      ok: false,
      code: 'RISK_MAX_NOTIONAL',
    });
    expect(await submit({ side: 'SELL', limitPrice: '1.00' })).toMatchObject({ ok: false, code: 'RISK_PRICE_COLLAR' });
    const limits = await ask(Subjects.ordersRiskLimits.build(), '{"v":1}');
    expect(limits).toMatchObject({
      ok: true,
      limits: { maxOrderQuantity: '100000', maxOrderNotional: '1000000', priceCollarPercent: '20' },
    });
    // An operator can raise or lower them, not remove them.
    const replaced = await ask(Subjects.ordersRiskLimits.build(), '{"v":1,"set":{"maxOrderQuantity":"500"}}');
    expect(replaced).toMatchObject({
      ok: true,
      limits: { maxOrderQuantity: '500', maxOrderNotional: '1000000', priceCollarPercent: '20' },
    });
    expect(await submit({ quantity: '501' })).toMatchObject({ ok: false, code: 'RISK_MAX_QUANTITY' });
    await ask(Subjects.ordersRiskLimits.build(), '{"v":1,"set":{}}');
    expect(await simOrders()).toBe(before);
  }, 60_000);

  test("'aapl ' and 'AAPL' are one instrument: normalized at the boundary, idempotent across spellings", async () => {
    const id = `norm-${Date.now()}`;
    const order = (symbol: string) =>
      submitJson({
        clientOrderId: id,
        instrument: { secType: 'STK', symbol, exchange: 'smart', currency: 'usd' },
        limitPrice: '150.00',
      });
    const first = await ask(Subjects.ordersSubmit.build(), order('aapl '));
    expect(first, JSON.stringify(first)).toMatchObject({ ok: true, order: { instrument: { symbol: 'AAPL' } } });
    const again = await ask(Subjects.ordersSubmit.build(), order('AAPL'));
    expect(again).toMatchObject({ ok: true, order: { clientOrderId: id } });
    const listed = await ask(Subjects.ordersList.build(), '{"v":1,"symbol":" aapl","status":"all"}');
    expect((listed.orders as Array<{ clientOrderId: string }>).map((o) => o.clientOrderId)).toContain(id);
    expect(await ask(Subjects.ordersCancel.build(), JSON.stringify({ v: 1, clientOrderId: id }))).toMatchObject({
      ok: true,
    });
  }, 60_000);

  test('broker order ids in commands are positive: 0 and -1 never reach the broker', async () => {
    const subject = Subjects.brokerCommand.build({ broker, verb: 'cancelOrder' });
    for (const orderId of ['0', '-1', '2147483648', '1.5']) {
      const r = ErrorReply.parse(await ask(subject, `{"v":1,"clientOrderId":"c-1","orderId":${orderId}}`));
      expect(r, orderId).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/orderId/) });
    }
  });
});
