/**
 * orders.modify / orders.cancel / orders.cancelAll. A command is claimed in the `commands` table under its
 * command id (`cancel:<clientOrderId>`, `modify:<clientOrderId>:<content hash>`) before anything is sent, so a
 * repeated command is sent once and its repeats get the stored reply. A command refused before sending leaves no
 * claim behind (it changed nothing, so a retry may act later).
 */
import {
  type CancelAllOrders,
  type CancelAllOrdersReply,
  type CancelOrder,
  compareDecimal,
  errorReply,
  type ModifyOrder,
  type OrderCommandReply,
  type OrderState,
  type OrderType,
  type TimeInForce,
} from '@trading-system/contracts';
import { isUniqueViolation } from '@trading-system/storage';
import { brokerStatus, routable } from './broker-status.js';
import type { OmsContext } from './context.js';
import {
  appendEvent,
  FINAL_STATES,
  findOrder,
  lockOrder,
  type OrderRow,
  patchOrder,
  rowInstrument,
  toOrderView,
} from './ledger.js';
import { isCancellable, isModifiable } from './order-state.js';
import { ledgerPosition } from './positions.js';
import { checkRiskWithQuote } from './reference-price.js';
import { requestHash } from './request-hash.js';
import { validateOrderParams } from './validation.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const viewReply = (row: OrderRow): OrderCommandReply => {
  const view = toOrderView(row);
  return view === undefined
    ? errorReply('ORDER_NOT_FOUND', `order ${row.client_order_id} was denied before it had an instrument`)
    : { v: 1, ok: true, order: view };
};

/**
 * Claims this process is acting on, per OMS. A claim without a reply that is not here was left by an act whose
 * release failed (the database went away between the claim and the answer): a repeat takes it over instead of
 * waiting for an answer that never comes (one OMS instance per schema, as releaseUnansweredCommands assumes).
 */
const acting = new WeakMap<OmsContext, Set<string>>();

function claimsOf(ctx: OmsContext): Set<string> {
  let claims = acting.get(ctx);
  if (claims === undefined) {
    claims = new Set();
    acting.set(ctx, claims);
  }
  return claims;
}

/** Runs `act` once per command id; repeats get the stored reply. Error replies release the claim. */
async function once(
  ctx: OmsContext,
  commandId: string,
  clientOrderId: string,
  act: () => Promise<OrderCommandReply>,
): Promise<OrderCommandReply> {
  try {
    await ctx.db
      .insertInto('commands')
      .values({
        command_id: commandId,
        client_order_id: clientOrderId,
        request_hash: commandId,
        reply: null,
        created_at_ms: String(ctx.clock()),
      })
      .execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const deadline = Date.now() + ctx.config.brokerTimeoutMs + 5_000;
    for (;;) {
      const row = await ctx.db
        .selectFrom('commands')
        .select('reply')
        .where('command_id', '=', commandId)
        .executeTakeFirst();
      if (row === undefined) return once(ctx, commandId, clientOrderId, act);
      if (row.reply !== null)
        return (typeof row.reply === 'string' ? JSON.parse(row.reply) : row.reply) as OrderCommandReply;
      if (!claimsOf(ctx).has(commandId)) {
        await ctx.db.deleteFrom('commands').where('command_id', '=', commandId).where('reply', 'is', null).execute();
        ctx.logger.warn({ commandId }, 'command claim left without an answer taken over');
        return once(ctx, commandId, clientOrderId, act);
      }
      if (Date.now() > deadline) return errorReply('SERVICE_UNAVAILABLE', `command ${commandId} is still in progress`);
      await pause(20);
    }
  }
  const claims = claimsOf(ctx);
  claims.add(commandId);
  try {
    let reply: OrderCommandReply;
    try {
      reply = await act();
    } catch (err) {
      await ctx.db.deleteFrom('commands').where('command_id', '=', commandId).execute();
      throw err;
    }
    if (reply.ok)
      await ctx.db
        .updateTable('commands')
        .set({ reply: JSON.stringify(reply) })
        .where('command_id', '=', commandId)
        .execute();
    else await ctx.db.deleteFrom('commands').where('command_id', '=', commandId).execute();
    return reply;
  } finally {
    claims.delete(commandId);
  }
}

/**
 * Claims without a reply at start-up were made by a process that died while handling them (one OMS instance per
 * schema): released, so a retry acts again instead of waiting for an answer that never comes. Acting again is
 * safe: a cancel of a cancelled order and a modify to the values the order already has change nothing.
 */
export async function releaseUnansweredCommands(ctx: OmsContext): Promise<number> {
  const released = await ctx.db.deleteFrom('commands').where('reply', 'is', null).returning('command_id').execute();
  for (const { command_id } of released)
    ctx.logger.warn({ commandId: command_id }, 'command left unanswered by a previous process released');
  return released.length;
}

export async function handleCancel(ctx: OmsContext, req: CancelOrder): Promise<OrderCommandReply> {
  const remembered = await rememberCancel(ctx, req.clientOrderId);
  if (remembered !== undefined) return remembered;
  // A cancel answered before whose order works again (it never reached the broker: the gateway died with it, and
  // reconciliation put the order back to what the broker reports): its stored answer must not stand for this
  // request, or the order could never be cancelled. While the earlier cancel is pending (pendingCancel) it stands.
  // Decided under the order's row lock, which the cancel that moves it to pendingCancel takes too: read first and
  // deleted after without it, a cancel racing another could see the order still working, then drop the answer the
  // other had just stored (its pendingCancel committed in between) and send the cancel a second time.
  await ctx.db.transaction().execute(async (trx) => {
    const current = await lockOrder(trx, req.clientOrderId);
    if (current === undefined || !isCancellable(current.state as OrderState)) return;
    await trx
      .deleteFrom('commands')
      .where('command_id', '=', `cancel:${req.clientOrderId}`)
      .where('reply', 'is not', null)
      .execute();
  });
  return once(ctx, `cancel:${req.clientOrderId}`, req.clientOrderId, () => cancelOne(ctx, req.clientOrderId));
}

/**
 * A cancel of an order the broker has no id for yet (accepted: its place request in flight; unresolved: the
 * answer was lost) cannot be sent: it is remembered (cancel_requested_at_ms) and the reply is the order as it is.
 * It is sent once the order has a broker order id (the place reply, or reconciliation finding the order at the
 * broker); an order the broker never received is rejected by reconciliation instead. No command claim is kept,
 * so a repeated cancel looks at the order afresh (and answers ORDER_NOT_CANCELLABLE at once once it is final).
 * Undefined when the order has a broker order id (or is final, or unknown): the ordinary path answers.
 */
async function rememberCancel(ctx: OmsContext, clientOrderId: string): Promise<OrderCommandReply | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockOrder(trx, clientOrderId);
    if (row === undefined || row.broker_order_id !== null || !isCancellable(row.state as OrderState)) return undefined;
    if (row.cancel_requested_at_ms === null) {
      await patchOrder(trx, clientOrderId, { cancel_requested_at_ms: String(ctx.clock()) });
      ctx.logger.info({ clientOrderId, state: row.state }, 'cancel remembered until the order has a broker order id');
    }
    return viewReply(row);
  });
}

/**
 * Sends a remembered cancel now that the order has a broker order id (after the place reply or reconciliation).
 * Forgotten once sent or once there is nothing left to cancel; kept when the gateway refused it for now (busy,
 * disconnected), so the next reconciliation tries again. Never throws (runs beside the caller).
 */
export function sendRememberedCancel(ctx: OmsContext, clientOrderId: string): void {
  const run = async () => {
    const r = await once(ctx, `cancel:${clientOrderId}`, clientOrderId, () => cancelOne(ctx, clientOrderId));
    if (r.ok || r.code === 'ORDER_NOT_CANCELLABLE' || r.code === 'ORDER_NOT_FOUND') {
      await patchOrder(ctx.db, clientOrderId, { cancel_requested_at_ms: null });
      ctx.logger.info({ clientOrderId, ok: r.ok, code: r.ok ? undefined : r.code }, 'remembered cancel sent');
    } else ctx.logger.warn({ clientOrderId, code: r.code }, 'remembered cancel not sent yet; retried later');
  };
  run().catch((err: unknown) => ctx.logger.error({ err, clientOrderId }, 'remembered cancel failed'));
}

async function cancelOne(ctx: OmsContext, clientOrderId: string): Promise<OrderCommandReply> {
  const current = await findOrder(ctx.db, clientOrderId);
  if (current === undefined) return errorReply('ORDER_NOT_FOUND', `no order ${clientOrderId}`);
  // pendingCancel without a claim: the process that claimed this cancel died before answering (its claim was
  // released at start-up), so whether the cancel reached the broker is unknown; sending it again is harmless.
  if (!isCancellable(current.state as OrderState) && current.state !== 'pendingCancel')
    return errorReply('ORDER_NOT_CANCELLABLE', `order ${clientOrderId} is ${current.state}`);
  // Cancels are never refused for rate, but they count towards it (submit + modify + cancel per account).
  ctx.live.countAndRecord(`account:${current.account}`, ctx.clock());
  const brokerOrderId = current.broker_order_id;
  // handleCancel remembers cancels of orders without a broker order id; this one lost its id meanwhile (not
  // expected): answered retryable rather than sent without one.
  if (brokerOrderId === null)
    return errorReply('SERVICE_UNAVAILABLE', `order ${clientOrderId} has no broker order id yet; retry shortly`);
  let previous: OrderState = current.state as OrderState;
  const before = await ctx.db.transaction().execute(async (trx) => {
    const row = await lockOrder(trx, clientOrderId);
    if (row === undefined || row.state === 'pendingCancel' || !isCancellable(row.state as OrderState)) return row;
    previous = row.state as OrderState;
    const now = ctx.clock();
    return appendEvent(
      trx,
      row,
      'pendingCancel',
      {},
      { nowMs: now, tsEventMs: now, patch: { state: 'pendingCancel' } },
    );
  });
  ctx.relay.kick();
  if (before === undefined || before.state !== 'pendingCancel') return viewReply(before ?? current);
  const outcome = await ctx.brokers.call(current.broker, 'cancelOrder', {
    v: 1,
    clientOrderId,
    orderId: brokerOrderId,
  });
  if (outcome.kind !== 'refused') return viewReply((await findOrder(ctx.db, clientOrderId)) ?? before);
  // The gateway did not pass the cancel on: the order keeps working as it was (not yet acknowledged: pendingSubmit).
  const after = await ctx.db.transaction().execute(async (trx) => {
    const row = await lockOrder(trx, clientOrderId);
    if (row === undefined || row.state !== 'pendingCancel') return row;
    const back: OrderState =
      compareDecimal(row.filled_qty, '0') !== 0
        ? 'partiallyFilled'
        : previous === 'pendingSubmit' || previous === 'unresolved'
          ? previous
          : 'submitted';
    const now = ctx.clock();
    return appendEvent(
      trx,
      row,
      'statusChanged',
      { from: 'pendingCancel', to: back, reason: `cancel refused: ${outcome.code}` },
      { nowMs: now, tsEventMs: now, patch: { state: back } },
    );
  });
  ctx.relay.kick();
  return errorReply(outcome.code === 'NO_RESPONDERS' ? 'BROKER_DISCONNECTED' : outcome.code, outcome.message, {
    clientOrderId,
    state: after?.state,
  });
}

export function handleModify(ctx: OmsContext, req: ModifyOrder): Promise<OrderCommandReply> {
  const { v: _v, clientOrderId, ...change } = req;
  return once(ctx, `modify:${clientOrderId}:${requestHash(change).slice(0, 24)}`, clientOrderId, () =>
    modifyOne(ctx, req),
  );
}

async function modifyOne(ctx: OmsContext, req: ModifyOrder): Promise<OrderCommandReply> {
  const row = await findOrder(ctx.db, req.clientOrderId);
  if (row === undefined) return errorReply('ORDER_NOT_FOUND', `no order ${req.clientOrderId}`);
  const instrument = rowInstrument(row);
  if (!isModifiable(row.state as OrderState) || instrument === undefined || row.broker_order_id === null)
    return errorReply('ORDER_NOT_MODIFIABLE', `order ${req.clientOrderId} is ${row.state}`);
  const next = {
    orderType: row.order_type as OrderType,
    tif: req.tif ?? (row.tif as TimeInForce),
    quantity: req.quantity ?? row.quantity,
    limitPrice: req.limitPrice ?? row.limit_price ?? undefined,
    stopPrice: req.stopPrice ?? row.stop_price ?? undefined,
    outsideRth: row.outside_rth,
  };
  if (!(await routable(ctx, row.broker)))
    return errorReply('BROKER_UNKNOWN', `no broker connection named ${row.broker}`);
  const status = await brokerStatus(ctx, row.broker);
  if (!('broker' in status)) return errorReply(status.code, status.message, { rule: status.rule });
  if (status.capabilities?.modify === false)
    return errorReply('ORDER_MODIFY_UNSUPPORTED', `broker ${row.broker} does not modify working orders`, {
      rule: 'modify',
    });
  const invalid = validateOrderParams(next, instrument, status.capabilities);
  if (!invalid.ok) return errorReply(invalid.code, invalid.message, { rule: invalid.rule });
  if (compareDecimal(next.quantity, row.filled_qty) < 0)
    return errorReply('VALIDATION_FAILED', `quantity ${next.quantity} is below the filled ${row.filled_qty}`);
  const now = ctx.clock();
  const denial = await checkRiskWithQuote(ctx, row.broker, instrument.id, {
    order: {
      account: row.account,
      strategy: row.strategy ?? undefined,
      side: row.side as 'BUY' | 'SELL',
      quantity: next.quantity,
      orderType: next.orderType,
      limitPrice: next.limitPrice,
      stopPrice: next.stopPrice,
      multiplier: instrument.multiplier ?? '1',
    },
    mode: ctx.settings.tradingState.mode,
    config: ctx.settings.risk,
    position: await ledgerPosition(ctx.db, ctx.brokers, row.broker, row.account, instrument.id),
    // The order being modified is already open: it does not count against the open-order limit.
    accountCounts: { openOrders: 0, commandsLastSecond: ctx.live.countAndRecord(`account:${row.account}`, now) },
    strategyCounts: {
      openOrders: 0,
      commandsLastSecond: row.strategy === null ? 0 : ctx.live.countAndRecord(`strategy:${row.strategy}`, now),
    },
  });
  if (denial !== undefined) return errorReply(denial.code, denial.message, { rule: denial.rule });
  const outcome = await ctx.brokers.call(row.broker, 'modifyOrder', {
    v: 1,
    clientOrderId: row.client_order_id,
    orderId: row.broker_order_id,
    account: row.account,
    instrument: { id: instrument.id, exchange: instrument.exchange },
    side: row.side as 'BUY' | 'SELL',
    quantity: next.quantity,
    orderType: next.orderType,
    ...(next.limitPrice === undefined ? {} : { limitPrice: next.limitPrice }),
    ...(next.stopPrice === undefined ? {} : { stopPrice: next.stopPrice }),
    tif: next.tif,
    outsideRth: next.outsideRth,
  });
  if (outcome.kind === 'refused')
    return errorReply(outcome.code === 'NO_RESPONDERS' ? 'BROKER_DISCONNECTED' : outcome.code, outcome.message);
  if (outcome.kind === 'unknown') return errorReply('TIMEOUT', outcome.message);
  // Sent: the `modified` event is recorded when the broker shows the new values (openOrder), not before.
  return viewReply((await findOrder(ctx.db, req.clientOrderId)) ?? row);
}

export async function handleCancelAll(ctx: OmsContext, req: CancelAllOrders): Promise<CancelAllOrdersReply> {
  let q = ctx.db
    .selectFrom('orders')
    .select('client_order_id')
    .where('state', 'not in', [...FINAL_STATES]);
  if (req.broker !== undefined) q = q.where('broker', '=', req.broker);
  if (req.account !== undefined) q = q.where('account', '=', req.account);
  if (req.strategy !== undefined) q = q.where('strategy', '=', req.strategy);
  const rows = await q.orderBy('created_at_ms').execute();
  // Several cancels in flight (each order is its own command): the gateway's governor sends cancels first and
  // paces them at IB's rate, so a kill switch is bound by IB, not by one round trip after another.
  const sent: boolean[] = new Array(rows.length).fill(false);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const id = (rows[i] as { client_order_id: string }).client_order_id;
      const r = await handleCancel(ctx, { v: 1, clientOrderId: id });
      if (r.ok) sent[i] = true;
      else ctx.logger.warn({ clientOrderId: id, code: r.code }, 'cancelAll: cancel not sent');
    }
  };
  await Promise.all(Array.from({ length: Math.min(CANCEL_ALL_IN_FLIGHT, rows.length) }, worker));
  return { v: 1, ok: true, cancelRequested: rows.filter((_, i) => sent[i]).map((r) => r.client_order_id) };
}

/** Cancels of one orders.cancelAll in flight at once. */
const CANCEL_ALL_IN_FLIGHT = 16;
