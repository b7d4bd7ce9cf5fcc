/**
 * Applying broker facts to the ledger, inside the caller's transaction: executions (once per broker and execId,
 * overfills flagged instead of applied), commission reports, and order statuses (through the state table). Shared
 * by the live broker-event consumer and by reconciliation, so a fact seen both ways is applied once.
 */
import {
  addDecimal,
  type BrokerExecutionData,
  type BrokerOrder,
  type BrokerOrderState,
  compareDecimal,
  divDecimal,
  mulDecimal,
  type OrderState,
  subDecimal,
  type TimeInForce,
} from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import { appendEvent, isOpenRow, lockOrder, type OrderRow, patchOrder, type Trx } from './ledger.js';
import { acceptsFill, canTransition, stateAfterFill, stateFromBrokerStatus } from './order-state.js';

export interface BrokerIds {
  readonly orderId?: string | undefined;
  readonly permId?: string | undefined;
  readonly clientOrderId?: string | undefined;
}

/** The ledger order a broker fact is about (by our id from orderRef, else by the broker's order id), locked. */
export async function lockForBroker(trx: Trx, broker: string, ids: BrokerIds): Promise<OrderRow | undefined> {
  if (ids.clientOrderId !== undefined) {
    const row = await lockOrder(trx, ids.clientOrderId);
    if (row !== undefined && row.broker === broker) return row;
  }
  if (ids.orderId === undefined) return undefined;
  const found = await trx
    .selectFrom('orders')
    .select('client_order_id')
    .where('broker', '=', broker)
    .where('broker_order_id', '=', ids.orderId)
    .orderBy('created_at_ms', 'desc')
    .executeTakeFirst();
  return found === undefined ? undefined : lockOrder(trx, found.client_order_id);
}

async function flag(trx: Trx, broker: string, e: BrokerExecutionData, reason: string, nowMs: number, coid?: string) {
  await trx
    .insertInto('flagged_executions')
    .values({
      exec_id: e.execId,
      broker,
      client_order_id: coid ?? null,
      reason,
      payload: JSON.stringify(e),
      created_at_ms: String(nowMs),
    })
    .onConflict((oc) => oc.columns(['broker', 'exec_id']).doNothing())
    .execute();
}

export type ExecutionResult = 'applied' | 'duplicate' | 'flagged' | 'unknownOrder';

export async function applyExecution(
  trx: Trx,
  broker: string,
  e: BrokerExecutionData,
  nowMs: number,
): Promise<ExecutionResult> {
  // Exec ids are unique per broker only (two brokers may issue the same one): every lookup is by both.
  const known = await trx
    .selectFrom('fills')
    .select('exec_id')
    .where('broker', '=', broker)
    .where('exec_id', '=', e.execId)
    .executeTakeFirst();
  if (known !== undefined) return 'duplicate';
  const row = await lockForBroker(trx, broker, e);
  if (row === undefined) {
    await flag(trx, broker, e, 'unknownOrder', nowMs);
    return 'unknownOrder';
  }
  const flagged = await trx
    .selectFrom('flagged_executions')
    .select('exec_id')
    .where('broker', '=', broker)
    .where('exec_id', '=', e.execId)
    .executeTakeFirst();
  if (flagged !== undefined) return 'duplicate';
  const cum = addDecimal(row.filled_qty, e.quantity);
  const problem = !acceptsFill(row.state as OrderState)
    ? `execution for a ${row.state} order`
    : e.side !== row.side
      ? `execution side ${e.side} differs from order side ${row.side}`
      : compareDecimal(cum, row.quantity) > 0
        ? `overfill: ${cum} filled of ${row.quantity}`
        : undefined;
  if (problem !== undefined) {
    await flag(trx, broker, e, problem, nowMs, row.client_order_id);
    await appendEvent(
      trx,
      row,
      'reconciliationMismatch',
      {
        field: 'execution',
        ledgerValue: row.filled_qty,
        brokerValue: `${e.execId}: ${e.side} ${e.quantity} @ ${e.price}`,
        resolution: 'flaggedForOperator',
        message: problem,
      },
      { nowMs, tsEventMs: e.execTimeMs },
    );
    return 'flagged';
  }
  await trx
    .insertInto('fills')
    .values({
      exec_id: e.execId,
      client_order_id: row.client_order_id,
      broker,
      account: e.account,
      instrument_id: e.instrumentId,
      side: e.side,
      quantity: e.quantity,
      price: e.price,
      commission: null,
      commission_currency: null,
      realized_pnl: null,
      exec_time_ms: String(e.execTimeMs),
      created_at_ms: String(nowMs),
    })
    .execute();
  const notional = addDecimal(row.fill_notional, mulDecimal(e.price, e.quantity));
  const cmp = compareDecimal(cum, row.quantity);
  const state = stateAfterFill(row.state as OrderState, cmp);
  const kind = cmp >= 0 ? 'filled' : 'partiallyFilled';
  await appendEvent(
    trx,
    row,
    kind,
    {
      execId: e.execId,
      side: e.side,
      price: e.price,
      quantity: e.quantity,
      cumQty: cum,
      leavesQty: subDecimal(row.quantity, cum),
      avgPrice: divDecimal(notional, cum, 8),
      exchange: e.exchange,
      ...knownIds(row, e),
    },
    {
      nowMs,
      tsEventMs: e.execTimeMs,
      patch: {
        state,
        filled_qty: cum,
        fill_notional: notional,
        ...(row.broker_order_id === null && e.orderId !== undefined ? { broker_order_id: e.orderId } : {}),
        ...(row.perm_id === null && e.permId !== undefined ? { perm_id: e.permId } : {}),
        ...(row.broker_acked_at_ms === null ? { broker_acked_at_ms: String(nowMs) } : {}),
      },
    },
  );
  return 'applied';
}

/** The broker ids the order has after this execution: the ledger's first-known ones win, as in the patch. */
function knownIds(row: OrderRow, e: BrokerIds): { brokerOrderId?: string; permId?: string } {
  const brokerOrderId = row.broker_order_id ?? e.orderId;
  const permId = row.perm_id ?? e.permId;
  return {
    ...(brokerOrderId === undefined ? {} : { brokerOrderId }),
    ...(permId === undefined ? {} : { permId }),
  };
}

export type CommissionResult = 'applied' | 'duplicate' | 'noFill';

export async function applyCommission(
  trx: Trx,
  broker: string,
  c: { execId: string; commission: string; currency: string; realizedPnl?: string | undefined },
  tsEventMs: number,
  nowMs: number,
): Promise<CommissionResult> {
  const fill = await trx
    .selectFrom('fills')
    .selectAll()
    .where('broker', '=', broker)
    .where('exec_id', '=', c.execId)
    .executeTakeFirst();
  if (fill === undefined) return 'noFill';
  if (fill.commission !== null) return 'duplicate';
  const row = await lockOrder(trx, fill.client_order_id);
  if (row === undefined) return 'noFill';
  await trx
    .updateTable('fills')
    .set({ commission: c.commission, commission_currency: c.currency, realized_pnl: c.realizedPnl ?? null })
    .where('broker', '=', broker)
    .where('exec_id', '=', c.execId)
    .execute();
  await appendEvent(
    trx,
    row,
    'commission',
    {
      execId: c.execId,
      commission: c.commission,
      currency: c.currency,
      ...(c.realizedPnl === undefined ? {} : { realizedPnl: c.realizedPnl }),
    },
    { nowMs, tsEventMs },
  );
  return 'applied';
}

export interface StatusFact {
  readonly status: BrokerOrderState;
  readonly ids: BrokerIds;
  readonly tsEventMs: number;
  /** Set by reconciliation: the change is reported as a mismatch before it is applied. */
  readonly reconciliation?: boolean;
}

/**
 * Moves a locked order to the state the broker status points to, when the table allows it. Any status is the
 * broker's acknowledgement: it has the order (pendingSubmit → submitted; recorded in broker_acked_at_ms).
 */
export async function applyBrokerStatus(trx: Trx, row: OrderRow, f: StatusFact, nowMs: number): Promise<OrderRow> {
  let current = row;
  const ids = {
    ...(row.broker_order_id === null && f.ids.orderId !== undefined ? { broker_order_id: f.ids.orderId } : {}),
    ...(row.perm_id === null && f.ids.permId !== undefined ? { perm_id: f.ids.permId } : {}),
    ...(row.broker_acked_at_ms === null ? { broker_acked_at_ms: String(nowMs) } : {}),
  };
  const from = row.state as OrderState;
  const to = stateFromBrokerStatus(f.status, {
    tif: row.tif as TimeInForce,
    hasFills: compareDecimal(row.filled_qty, '0') > 0,
  });
  if (to === undefined || to === from || !canTransition(from, to)) {
    // Broker ids learned without a change of state are still recorded as an event: the order's view is the fold
    // of its events (here and in every consumer of the stream), so a fact only a column held would be lost to it.
    if (ids.broker_order_id !== undefined || ids.perm_id !== undefined)
      return appendEvent(
        trx,
        row,
        'statusChanged',
        {
          from,
          to: from,
          brokerStatus: f.status,
          ...(ids.broker_order_id === undefined ? {} : { brokerOrderId: ids.broker_order_id }),
          ...(ids.perm_id === undefined ? {} : { permId: ids.perm_id }),
        },
        { nowMs, tsEventMs: f.tsEventMs, patch: ids },
      );
    if (Object.keys(ids).length > 0) await patchOrder(trx, row.client_order_id, ids);
    return { ...row, ...ids };
  }
  const opts = { nowMs, tsEventMs: f.tsEventMs };
  if (f.reconciliation)
    current = await appendEvent(
      trx,
      current,
      'reconciliationMismatch',
      {
        field: 'status',
        ledgerValue: from,
        brokerValue: f.status,
        resolution: 'appliedBrokerState',
        message: `ledger had ${from}, broker reports ${f.status}`,
      },
      opts,
    );
  const patch = { ...ids, state: to };
  if (to === 'cancelled')
    return appendEvent(trx, current, 'cancelled', { filledQty: row.filled_qty, reason: f.status }, { ...opts, patch });
  if (to === 'expired') return appendEvent(trx, current, 'expired', { filledQty: row.filled_qty }, { ...opts, patch });
  if (to === 'rejected')
    return appendEvent(
      trx,
      current,
      'rejected',
      { brokerCode: 0, message: `broker status ${f.status}` },
      { ...opts, patch },
    );
  if (to === 'pendingCancel') return appendEvent(trx, current, 'pendingCancel', {}, { ...opts, patch });
  return appendEvent(
    trx,
    current,
    'statusChanged',
    {
      from,
      to,
      brokerStatus: f.status,
      ...(f.ids.orderId === undefined ? {} : { brokerOrderId: f.ids.orderId }),
      ...(f.ids.permId === undefined ? {} : { permId: f.ids.permId }),
    },
    { ...opts, patch },
  );
}

/**
 * The broker refused our place request (orderRejected, action `place`): the new order is dead. An order without
 * fills that is not final yet is rejected with the broker's code and text; IB may send no final status after such
 * a refusal (a 321 validation error), so waiting for one could leave the order open. Modify and cancel refusals
 * change nothing (the order keeps its terms or keeps working); an order with fills waits for the final status.
 */
export async function applyPlaceRefusal(
  trx: Trx,
  row: OrderRow,
  r: { readonly brokerCode: number; readonly message: string; readonly tsEventMs: number },
  nowMs: number,
): Promise<OrderRow> {
  if (!isOpenRow(row) || compareDecimal(row.filled_qty, '0') !== 0) return row;
  if (!canTransition(row.state as OrderState, 'rejected')) return row;
  return appendEvent(
    trx,
    row,
    'rejected',
    { brokerCode: r.brokerCode, message: r.message },
    { nowMs, tsEventMs: r.tsEventMs, patch: { state: 'rejected' } },
  );
}

/** True when a reconciliationMismatch on `field` was already reported for the order (report once). */
export async function mismatchReported(trx: Trx, clientOrderId: string, field: string): Promise<boolean> {
  const row = await trx
    .selectFrom('order_events')
    .select('id')
    .where('client_order_id', '=', clientOrderId)
    .where('kind', '=', 'reconciliationMismatch')
    .where(sql<string>`payload->>'field'`, '=', field)
    .executeTakeFirst();
  return row !== undefined;
}

const samePrice = (a: string | null, b: string | undefined): boolean =>
  a === null || b === undefined ? a === null && b === undefined : compareDecimal(a, b) === 0;

/**
 * A modification takes effect when the broker shows the order with the new values (IB openOrder): then the
 * `modified` event is recorded and the row updated. Final orders are left as they are.
 */
export async function applyOrderValues(
  trx: Trx,
  row: OrderRow,
  o: BrokerOrder,
  tsEventMs: number,
  nowMs: number,
): Promise<OrderRow> {
  if (!isOpenRow(row)) return row;
  const unchanged =
    compareDecimal(row.quantity, o.quantity) === 0 &&
    samePrice(row.limit_price, o.limitPrice) &&
    samePrice(row.stop_price, o.stopPrice) &&
    row.tif === o.tif;
  if (unchanged) return row;
  return appendEvent(
    trx,
    row,
    'modified',
    {
      quantity: o.quantity,
      ...(o.limitPrice === undefined ? {} : { limitPrice: o.limitPrice }),
      ...(o.stopPrice === undefined ? {} : { stopPrice: o.stopPrice }),
      tif: o.tif,
    },
    {
      nowMs,
      tsEventMs,
      patch: { quantity: o.quantity, limit_price: o.limitPrice ?? null, stop_price: o.stopPrice ?? null, tif: o.tif },
    },
  );
}
