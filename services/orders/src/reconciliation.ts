/**
 * Reconciliation: on start and whenever a broker becomes connected, ask its gateway for a snapshot
 * (`broker.<broker>.cmd.reconcile`); the snapshot arrives on the broker-event stream and is diffed here against the
 * ledger. Missing executions are applied (once: fills are keyed by execId), status differences are reported as
 * reconciliationMismatch and then applied through the state table, ledger orders the broker does not know are
 * settled only where that is certain (never sent: accepted/unresolved) and otherwise flagged, once.
 */
import { randomUUID } from 'node:crypto';
import {
  type BrokerOrder,
  type BrokerReconciliationSnapshot,
  compareDecimal,
  type Position,
} from '@trading-system/contracts';
import {
  applyBrokerStatus,
  applyExecution,
  applyOrderValues,
  lockForBroker,
  mismatchReported,
} from './broker-apply.js';
import type { OmsContext } from './context.js';
import { appendEvent, FINAL_STATES, lockOrder, type Trx } from './ledger.js';

export interface ReconciliationReport {
  readonly broker: string;
  readonly executionsApplied: number;
  readonly statusesApplied: number;
  readonly missingAtBroker: number;
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
  const snapshotTakenMs = Math.min(...parts.map((p) => p.tsEventMs));

  let executionsApplied = 0;
  for (const e of executions) {
    const r = await ctx.db.transaction().execute((trx) => applyExecution(trx, broker, e, ctx.clock()));
    if (r === 'applied') executionsApplied += 1;
  }

  // Completed first, open last: an order in both lists is judged by its open (current) entry.
  const seen = new Set<string>();
  let statusesApplied = 0;
  for (const o of [...completed, ...openOrders]) {
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

  // Orders still being sent, or created after the broker took its snapshot, cannot be judged by it.
  const open = await ctx.db
    .selectFrom('orders')
    .select(['client_order_id', 'state'])
    .where('broker', '=', broker)
    .where('state', 'not in', [...FINAL_STATES])
    .where('created_at_ms', '<', String(snapshotTakenMs))
    .execute();
  let missingAtBroker = 0;
  for (const { client_order_id } of open) {
    if (seen.has(client_order_id) || ctx.inFlight.has(client_order_id)) continue;
    const reported = await ctx.db.transaction().execute(async (trx) => {
      const row = await lockOrder(trx, client_order_id);
      if (row === undefined || (FINAL_STATES as readonly string[]).includes(row.state)) return false;
      const now = ctx.clock();
      const neverSent = row.state === 'accepted' || row.state === 'unresolved';
      if (!neverSent && (await mismatchReported(trx, client_order_id, 'missingAtBroker'))) return false;
      const after = await appendEvent(
        trx,
        row,
        'reconciliationMismatch',
        {
          field: 'missingAtBroker',
          ledgerValue: row.state,
          resolution: neverSent ? 'cancelledNotAtBroker' : 'flaggedForOperator',
          message: neverSent
            ? 'the broker has no trace of the order: it never reached the broker'
            : 'the broker lists neither this working order nor its completion',
        },
        { nowMs: now, tsEventMs },
      );
      if (neverSent)
        await appendEvent(
          trx,
          after,
          'cancelled',
          { filledQty: row.filled_qty, reason: 'not found at the broker during reconciliation' },
          { nowMs: now, tsEventMs, patch: { state: 'cancelled' } },
        );
      return true;
    });
    if (reported) missingAtBroker += 1;
  }

  await storeBrokerPositions(ctx, broker, positions);
  ctx.relay.kick();
  const report = { broker, executionsApplied, statusesApplied, missingAtBroker, positionsStored: positions.length };
  log.info(report, 'reconciliation done');
  return report;
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
        .values({ broker, account: p.account, con_id: p.conId, position: JSON.stringify(p), updated_at_ms: now })
        .onConflict((oc) =>
          oc.columns(['broker', 'account', 'con_id']).doUpdateSet({ position: JSON.stringify(p), updated_at_ms: now }),
        )
        .execute();
  });
}
