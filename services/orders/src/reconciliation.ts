/**
 * Reconciliation: on start, whenever a broker becomes connected or its gateway restarts, and periodically while an
 * order of it awaits the broker (reconcile-scheduler.ts), ask its gateway for a snapshot
 * (`broker.<broker>.cmd.reconcile`); the snapshot arrives on the broker-event stream and is diffed here against the
 * ledger. Missing executions are applied (once: fills are keyed by execId), status differences are reported as
 * reconciliationMismatch and then applied through the state table, remembered cancels of orders found at the
 * broker are sent. A ledger order the broker does not list is settled only where that is certain: one the broker
 * never acknowledged, without fills, whose place request ended (plus a grace) before the snapshot was requested,
 * never reached the broker and is rejected (NEVER_REACHED_BROKER); any other is flagged for an operator, once.
 */
import { randomUUID } from 'node:crypto';
import {
  type BrokerOrder,
  type BrokerReconciliationSnapshot,
  compareDecimal,
  type OrderState,
  type Position,
  type TimeInForce,
} from '@trading-system/contracts';
import {
  applyBrokerStatus,
  applyExecution,
  applyOrderValues,
  lockForBroker,
  mismatchReported,
} from './broker-apply.js';
import type { OmsContext } from './context.js';
import { appendEvent, FINAL_STATES, isOpenRow, lockOrder, type OrderRow, type Trx } from './ledger.js';
import { sendRememberedCancel } from './order-commands.js';
import { canTransition, stateFromBrokerStatus } from './order-state.js';

export interface ReconciliationReport {
  readonly broker: string;
  readonly executionsApplied: number;
  readonly statusesApplied: number;
  readonly missingAtBroker: number;
  /** Of missingAtBroker: orders resolved as never sent (rejected, NEVER_REACHED_BROKER). */
  readonly neverReachedBroker: number;
  readonly positionsStored: number;
}

/** Asks the gateway for a snapshot; false when no gateway answered (a later `connected` status retries). */
export async function requestReconciliation(ctx: OmsContext, broker: string): Promise<boolean> {
  const outcome = await ctx.brokers.call(broker, 'reconcile', { v: 1, reconId: randomUUID() });
  if (outcome.kind !== 'sent') {
    ctx.logger.warn({ broker, outcome: outcome.kind, message: outcome.message }, 'reconciliation request not sent');
    return false;
  }
  return true;
}

/** Default grace between the end of a place request and a snapshot that may judge it (ms); see OrdersConfig. */
export const DEFAULT_RECONCILE_GRACE_MS = 2_000;

const samePrice = (a: string | null, b: string | undefined): boolean =>
  a === null || b === undefined ? a === null && b === undefined : compareDecimal(a, b) === 0;

/** True when applying `o` to `row` would change nothing (no transaction needed for it). */
function changesNothing(row: OrderRow, o: BrokerOrder): boolean {
  if (row.broker_acked_at_ms === null) return false;
  if (row.broker_order_id === null && o.orderId !== undefined) return false;
  if (row.perm_id === null && o.permId !== undefined) return false;
  if (compareDecimal(o.filled, row.filled_qty) !== 0) return false;
  const from = row.state as OrderState;
  const to = stateFromBrokerStatus(o.status, {
    tif: row.tif as TimeInForce,
    hasFills: compareDecimal(row.filled_qty, '0') > 0,
  });
  if (to !== undefined && to !== from && canTransition(from, to)) return false;
  if (!isOpenRow(row)) return true;
  return (
    compareDecimal(row.quantity, o.quantity) === 0 &&
    samePrice(row.limit_price, o.limitPrice) &&
    samePrice(row.stop_price, o.stopPrice) &&
    row.tif === o.tif
  );
}

export async function reconcileSnapshot(
  ctx: OmsContext,
  broker: string,
  parts: readonly BrokerReconciliationSnapshot[],
): Promise<ReconciliationReport> {
  const log = ctx.logger.child({ component: 'reconciliation', broker });
  const openOrders = parts.flatMap((p) => p.openOrders);
  const completed = parts.flatMap((p) => p.completedOrders);
  const executions = parts.flatMap((p) => p.executions).sort((a, b) => a.execTimeMs - b.execTimeMs);
  const positions = parts.flatMap((p) => p.positions);
  const tsEventMs = Math.max(...parts.map((p) => p.tsEventMs));
  // When the gateway asked the broker: every order written to the broker before it is in the snapshot (see the
  // contract). Older gateways say nothing: their publish time is an upper bound, used only to skip newer orders.
  const requestedAtMs = Math.min(...parts.map((p) => p.requestedAtMs ?? p.tsEventMs));
  const graceMs = ctx.config.reconcileGraceMs ?? DEFAULT_RECONCILE_GRACE_MS;

  // Executions already in the ledger are skipped without a transaction each (a snapshot holds the day's).
  const known = new Set<string>();
  for (let i = 0; i < executions.length; i += 1_000) {
    const ids = executions.slice(i, i + 1_000).map((e) => e.execId);
    const rows = await ctx.db
      .selectFrom('fills')
      .select('exec_id')
      .where('broker', '=', broker)
      .where('exec_id', 'in', ids)
      .execute();
    for (const r of rows) known.add(r.exec_id);
  }
  let executionsApplied = 0;
  for (const e of executions) {
    if (known.has(e.execId)) continue;
    const r = await ctx.db.transaction().execute((trx) => applyExecution(trx, broker, e, ctx.clock()));
    if (r === 'applied') executionsApplied += 1;
  }
  // An order with an execution at the broker reached it, whatever the order lists say.
  const executed = new Set(executions.flatMap((e) => (e.clientOrderId === undefined ? [] : [e.clientOrderId])));

  // Ledger rows of the listed orders, read at once: an order the snapshot tells nothing new is not locked.
  const listed = [...completed, ...openOrders];
  const rows = new Map<string, OrderRow>();
  const refs = [...new Set(listed.flatMap((o) => (o.clientOrderId === undefined ? [] : [o.clientOrderId])))];
  for (let i = 0; i < refs.length; i += 1_000) {
    const found = await ctx.db
      .selectFrom('orders')
      .selectAll()
      .where('broker', '=', broker)
      .where('client_order_id', 'in', refs.slice(i, i + 1_000))
      .execute();
    for (const r of found) rows.set(r.client_order_id, r);
  }

  // Completed first, open last: an order in both lists is judged by its open (current) entry.
  const seen = new Set<string>();
  let statusesApplied = 0;
  for (const o of listed) {
    const cached = o.clientOrderId === undefined ? undefined : rows.get(o.clientOrderId);
    if (cached !== undefined && changesNothing(cached, o)) {
      seen.add(cached.client_order_id);
      continue;
    }
    const changed = await ctx.db.transaction().execute(async (trx) => {
      const row = await lockForBroker(trx, broker, o);
      if (row === undefined) return false;
      seen.add(row.client_order_id);
      const after = await applyBrokerStatus(
        trx,
        row,
        { status: o.status, ids: o, tsEventMs, reconciliation: true },
        ctx.clock(),
      );
      const valued = await applyOrderValues(trx, after, o, tsEventMs, ctx.clock());
      await flagFilledDifference(ctx, trx, o, valued.client_order_id, valued.filled_qty, tsEventMs);
      return valued.last_seq !== row.last_seq;
    });
    if (changed) statusesApplied += 1;
  }

  // Cancels asked while an order had no broker order id: the snapshot may have given it one.
  const waiting = await ctx.db
    .selectFrom('orders')
    .select('client_order_id')
    .where('broker', '=', broker)
    .where('state', 'not in', [...FINAL_STATES])
    .where('cancel_requested_at_ms', 'is not', null)
    .where('broker_order_id', 'is not', null)
    .execute();
  for (const { client_order_id } of waiting) sendRememberedCancel(ctx, client_order_id);

  // Orders still being sent, or created after the broker took its snapshot, cannot be judged by it.
  const open = await ctx.db
    .selectFrom('orders')
    .select(['client_order_id', 'state'])
    .where('broker', '=', broker)
    .where('state', 'not in', [...FINAL_STATES])
    .where('created_at_ms', '<', String(requestedAtMs))
    .execute();
  let missingAtBroker = 0;
  let neverReachedBroker = 0;
  for (const { client_order_id } of open) {
    if (seen.has(client_order_id) || executed.has(client_order_id) || ctx.inFlight.has(client_order_id)) continue;
    const outcome = await ctx.db
      .transaction()
      .execute((trx) => settleMissing(trx, client_order_id, { requestedAtMs, graceMs, tsEventMs, nowMs: ctx.clock() }));
    if (outcome !== 'none') missingAtBroker += 1;
    if (outcome === 'neverReached') {
      neverReachedBroker += 1;
      log.warn({ clientOrderId: client_order_id }, 'order never reached the broker: rejected');
    }
  }

  await storeBrokerPositions(ctx, broker, positions);
  ctx.relay.kick();
  const report = {
    broker,
    executionsApplied,
    statusesApplied,
    missingAtBroker,
    neverReachedBroker,
    positionsStored: positions.length,
  };
  log.info(report, 'reconciliation done');
  return report;
}

/**
 * A ledger order the snapshot does not list. Never acknowledged by the broker, no fills, and its place request
 * over (its last change, which is at or after the end of its place request) a grace before the snapshot was
 * requested: it never reached the broker, rejected with NEVER_REACHED_BROKER. Too recent: left for a later
 * snapshot. Acknowledged once (or filled): the broker lost track of a working order, flagged for an operator once.
 */
async function settleMissing(
  trx: Trx,
  clientOrderId: string,
  at: { requestedAtMs: number; graceMs: number; tsEventMs: number; nowMs: number },
): Promise<'none' | 'flagged' | 'neverReached'> {
  const row = await lockOrder(trx, clientOrderId);
  if (row === undefined || !isOpenRow(row)) return 'none';
  const opts = { nowMs: at.nowMs, tsEventMs: at.tsEventMs };
  const neverAcked = row.broker_acked_at_ms === null && compareDecimal(row.filled_qty, '0') === 0;
  if (neverAcked) {
    if (Number(row.updated_at_ms) + at.graceMs > at.requestedAtMs) return 'none';
    const message =
      `the broker has no trace of the order in a snapshot requested ${at.requestedAtMs - Number(row.updated_at_ms)} ms ` +
      `after its last change (${row.state}): it never reached the broker`;
    const after = await appendEvent(
      trx,
      row,
      'reconciliationMismatch',
      {
        field: 'missingAtBroker',
        ledgerValue: row.state,
        resolution: 'rejectedNeverReachedBroker',
        message,
      },
      opts,
    );
    await appendEvent(
      trx,
      after,
      'rejected',
      { brokerCode: 0, message, reasonCode: 'NEVER_REACHED_BROKER' },
      { ...opts, patch: { state: 'rejected' } },
    );
    return 'neverReached';
  }
  if (await mismatchReported(trx, clientOrderId, 'missingAtBroker')) return 'none';
  await appendEvent(
    trx,
    row,
    'reconciliationMismatch',
    {
      field: 'missingAtBroker',
      ledgerValue: row.state,
      resolution: 'flaggedForOperator',
      message: 'the broker lists neither this working order nor its completion',
    },
    opts,
  );
  return 'flagged';
}

async function flagFilledDifference(
  ctx: OmsContext,
  trx: Trx,
  o: BrokerOrder,
  clientOrderId: string,
  ledgerFilled: string,
  tsEventMs: number,
): Promise<void> {
  if (compareDecimal(o.filled, ledgerFilled) === 0) return;
  const field = `filledQty:${o.filled}`;
  if (await mismatchReported(trx, clientOrderId, field)) return;
  const row = await lockOrder(trx, clientOrderId);
  if (row === undefined) return;
  await appendEvent(
    trx,
    row,
    'reconciliationMismatch',
    {
      field,
      ledgerValue: ledgerFilled,
      brokerValue: o.filled,
      resolution: 'flaggedForOperator',
      message: 'filled quantity differs and the snapshot holds no execution that explains it',
    },
    { nowMs: ctx.clock(), tsEventMs },
  );
}

async function storeBrokerPositions(ctx: OmsContext, broker: string, positions: readonly Position[]) {
  const now = String(ctx.clock());
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('broker_positions').where('broker', '=', broker).execute();
    for (const p of positions)
      await trx
        .insertInto('broker_positions')
        .values({
          broker,
          account: p.account,
          instrument_id: p.instrumentId,
          position: JSON.stringify(p),
          updated_at_ms: now,
        })
        .onConflict((oc) =>
          oc
            .columns(['broker', 'account', 'instrument_id'])
            .doUpdateSet({ position: JSON.stringify(p), updated_at_ms: now }),
        )
        .execute();
  });
}
