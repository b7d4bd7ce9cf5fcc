/**
 * Writing a ledger as an earlier version left it, for the upgrade tests: its schema (the migrations before a named
 * one) and an order's append-only trail with the envelope every event has always had.
 */
import { randomUUID } from 'node:crypto';
import type { Instrument } from '@trading-system/contracts';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import { migrations } from '../src/migrations/index.js';
import { ACCOUNT, type Harness, waitUntil } from './harness.js';
import { get } from './oms-helpers.js';

/** Applies the OMS's migrations named before `first`: the schema as the version without `first` left it. */
export async function migrateBefore(database: Kysely<unknown>, schema: string, first: string): Promise<void> {
  const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < first));
  await migrateToLatest(database, { schema, migrations: before });
}

/**
 * Writes `events` (each its kind and fields, in the old version's words) as the trail of one order, seq 1, 2, …,
 * published (`published: false` leaves them in the outbox, as a crash before publishing would).
 */
export async function writeTrail(
  // biome-ignore lint/suspicious/noExplicitAny: the old version's rows are written untyped, as it wrote them
  s: Kysely<any>,
  order: { readonly clientOrderId: string; readonly broker: string; readonly account: string; readonly atMs: number },
  events: ReadonlyArray<{ readonly kind: string } & Record<string, unknown>>,
  opts: { readonly published?: boolean } = {},
): Promise<void> {
  for (const [i, e] of events.entries()) {
    const eventId = randomUUID();
    const seq = i + 1;
    const payload = {
      ...e,
      v: 1,
      eventId,
      clientOrderId: order.clientOrderId,
      seq,
      broker: order.broker,
      account: order.account,
      tsEventMs: order.atMs,
      tsInitMs: order.atMs,
    };
    await s
      .insertInto('order_events')
      .values({
        event_id: eventId,
        client_order_id: order.clientOrderId,
        seq,
        kind: e.kind,
        subject: `orders.evt.${order.broker}.${e.kind}`,
        payload: JSON.stringify(payload),
        created_at_ms: order.atMs,
        ...(opts.published === false ? {} : { published_at: new Date() }),
      })
      .execute();
  }
}

/**
 * Writes one order's row as the earlier version stored it: a BUY 100 LMT 150 DAY order (the upgrade tests' one
 * order), with the columns that differ from test to test given (ids, instrument, how far it got).
 */
export async function writeOrderRow(
  // biome-ignore lint/suspicious/noExplicitAny: the old version's rows are written untyped, as it wrote them
  s: Kysely<any>,
  row: {
    readonly client_order_id: string;
    readonly broker: string;
    readonly account: string;
    readonly con_id: number | string;
    readonly instrument: unknown;
    readonly state: string;
    readonly filled_qty: string;
    readonly fill_notional: string;
    readonly broker_order_id: string | number;
    readonly perm_id?: string | number;
    readonly last_seq: number;
    readonly submit_reply?: unknown;
    readonly atMs: number;
  },
): Promise<void> {
  const { atMs, instrument, submit_reply, ...columns } = row;
  await s
    .insertInto('orders')
    .values({
      ...columns,
      instrument: JSON.stringify(instrument),
      side: 'BUY',
      quantity: '100',
      order_type: 'LMT',
      limit_price: '150',
      tif: 'DAY',
      outside_rth: false,
      broker_acked_at_ms: atMs,
      request_hash: 'x',
      ...(submit_reply === undefined ? {} : { submit_reply: JSON.stringify(submit_reply) }),
      created_at_ms: atMs,
      updated_at_ms: atMs,
    })
    .execute();
}

/** The `accepted` event of that same order (writeOrderRow's), as every version wrote it. */
export function acceptedEvent(instrument: unknown): { readonly kind: 'accepted' } & Record<string, unknown> {
  return {
    kind: 'accepted',
    instrument,
    side: 'BUY',
    quantity: '100',
    orderType: 'LMT',
    limitPrice: '150',
    tif: 'DAY',
    outsideRth: false,
  };
}

/**
 * An Alpaca asset across the instrument-id upgrade: the version before named it by a hashed decimal id (stored in
 * the integer con_id columns then), gateway-alpaca now by the asset UUID, keeping the hashed id as an alias of it.
 */
export function alpacaAssetAcrossUpgrade(uuid: string): {
  readonly hashed: number;
  readonly asset: Instrument;
  readonly oldAsset: Record<string, unknown>;
} {
  const hashed = 1_739_204_611;
  const asset: Instrument = {
    id: uuid,
    secType: 'STK',
    symbol: 'AAPL',
    localSymbol: 'AAPL',
    exchange: 'NASDAQ',
    currency: 'USD',
    minTick: '0.01',
  };
  const { id: _, ...rest } = asset;
  return { hashed, asset, oldAsset: { conId: hashed, ...rest } };
}

/**
 * The upgrade tests' order (writeOrderRow's BUY 100) as an earlier version left it with 40 bought: its row, its
 * trail (accepted, [pendingSubmit,] submitted, the partial fill) and the fill, with the ids in the old version's
 * types and the instrument in its shape (`conId` where `id` is now).
 */
export async function writeFortyBought(
  // biome-ignore lint/suspicious/noExplicitAny: the old version's rows are written untyped, as it wrote them
  s: Kysely<any>,
  order: { readonly clientOrderId: string; readonly execId: string; readonly broker: string; readonly account: string },
  old: {
    readonly conId: number | string;
    readonly instrument: unknown;
    readonly brokerOrderId: number | string;
    readonly permId?: number | string;
    /** The trail passes through pendingSubmit (with the broker order id) before submitted. */
    readonly viaPendingSubmit?: boolean;
    /** The stored submit reply (an order still pendingSubmit in it, as the reply said then). */
    readonly withSubmitReply?: boolean;
  },
): Promise<{ readonly atMs: number }> {
  const { clientOrderId, execId, broker, account } = order;
  const { conId, instrument, brokerOrderId, permId } = old;
  const now = Date.now();
  const ids = { brokerOrderId, ...(permId === undefined ? {} : { permId }) };
  const steps: Array<{ readonly kind: string } & Record<string, unknown>> = [
    acceptedEvent(instrument),
    ...(old.viaPendingSubmit === true
      ? [{ kind: 'statusChanged', from: 'accepted', to: 'pendingSubmit', brokerOrderId }]
      : []),
    {
      kind: 'statusChanged',
      from: old.viaPendingSubmit === true ? 'pendingSubmit' : 'accepted',
      to: 'submitted',
      brokerStatus: 'working',
      ...(old.viaPendingSubmit === true ? ids : { brokerOrderId }),
    },
    {
      kind: 'partiallyFilled',
      execId,
      side: 'BUY',
      price: '150',
      quantity: '40',
      cumQty: '40',
      leavesQty: '60',
      avgPrice: '150',
      ...ids,
    },
  ];
  // The submit reply stored then: the order's terms (acceptedEvent's) as the reply showed it, still pendingSubmit.
  const { kind: _accepted, ...terms } = acceptedEvent(instrument);
  const submitted = {
    clientOrderId,
    broker,
    account,
    ...terms,
    state: 'pendingSubmit',
    filledQty: '0',
    brokerOrderId,
    lastSeq: 2,
    createdAtMs: now,
    updatedAtMs: now,
  };

  await writeOrderRow(s, {
    client_order_id: clientOrderId,
    broker,
    account,
    con_id: conId,
    instrument,
    state: 'partiallyFilled',
    filled_qty: '40',
    fill_notional: '6000',
    broker_order_id: brokerOrderId,
    ...(permId === undefined ? {} : { perm_id: permId }),
    last_seq: steps.length,
    ...(old.withSubmitReply === true ? { submit_reply: { v: 1, ok: true, order: submitted } } : {}),
    atMs: now,
  });
  await writeTrail(s, { clientOrderId, broker, account, atMs: now }, steps);
  await s
    .insertInto('fills')
    .values({
      exec_id: execId,
      client_order_id: clientOrderId,
      broker,
      account,
      con_id: conId,
      side: 'BUY',
      quantity: '40',
      price: '150',
      exec_time_ms: now,
      created_at_ms: now,
    })
    .execute();
  return { atMs: now };
}

/** writeFortyBought for an Alpaca asset under its hashed id (broker order 61). */
export async function writeFortyBoughtUnderHashedId(
  // biome-ignore lint/suspicious/noExplicitAny: the old version's rows are written untyped, as it wrote them
  s: Kysely<any>,
  order: { readonly clientOrderId: string; readonly execId: string; readonly broker: string; readonly account: string },
  uuid: string,
): Promise<void> {
  const { hashed, oldAsset } = alpacaAssetAcrossUpgrade(uuid);
  await writeFortyBought(s, order, { conId: hashed, instrument: oldAsset, brokerOrderId: '61' });
}

/** The rest of that order (60) filled after the upgrade, reported under the UUID; resolves once it is filled. */
export async function fillRestUnderUuid(
  x: Harness,
  clientOrderId: string,
  execId: string,
  uuid: string,
): Promise<void> {
  const now = Date.now();
  await x.brokerEvent('execution', {
    eventId: `exec-${execId}-2`,
    tsEventMs: now,
    execution: {
      orderId: '61',
      clientOrderId,
      execId: `${execId}-2`,
      account: ACCOUNT,
      instrumentId: uuid,
      side: 'BUY',
      quantity: '60',
      price: '151',
      cumQty: '100',
      avgPrice: '150.6',
      exchange: 'NASDAQ',
      execTimeMs: now,
    },
  });
  await waitUntil(async () => ((await get(x, clientOrderId)).order?.state === 'filled' ? true : undefined));
}
