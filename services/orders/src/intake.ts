/**
 * orders.submit: parse → resolve broker, account and instrument → validate → risk → ledger → send → reply.
 * Idempotent on clientOrderId: the orders primary key decides races; a duplicate with the same content gets the
 * first caller's stored reply (waiting for it while the first is still in flight), a different content gets
 * DUPLICATE_ORDER. A denial is stored like an acceptance, so a retried denied order stays denied.
 */
import { randomUUID } from 'node:crypto';
import {
  type ErrorCode,
  errorReply,
  type Instrument,
  type OrderCommandReply,
  type OrderState,
  type SubmitOrder,
} from '@trading-system/contracts';
import { isUniqueViolation } from '@trading-system/storage';
import type { BrokerOutcome } from './broker-client.js';
import { brokerStatus, routable } from './broker-status.js';
import type { OmsContext } from './context.js';
import { OrderNotFoundError } from './errors.js';
import {
  appendEvent,
  appendEventIfUnchanged,
  findOrder,
  insertOrder,
  lockOrder,
  type NewOrder,
  type OrderRow,
  patchOrder,
  toOrderView,
} from './ledger.js';
import { sendRememberedCancel } from './order-commands.js';
import { submitReads } from './positions.js';
import { checkRiskWithQuote } from './reference-price.js';
import { requestHash } from './request-hash.js';
import { type Denial, deny, resolveAccount, validateOrderParams } from './validation.js';

export { requestHash };

export const newClientOrderId = (): string => `o-${randomUUID()}`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function handleSubmit(ctx: OmsContext, req: SubmitOrder): Promise<OrderCommandReply> {
  const { clientOrderId: given, v: _v, ...content } = req;
  const clientOrderId = given ?? newClientOrderId();
  const hash = requestHash(content);
  // A repeated clientOrderId is found with the risk reads below (one round trip for all of them); before that,
  // every refusal is recorded by an insert that a repeat fails (unique violation), which answers it the same way.

  const base: NewOrder = {
    clientOrderId,
    broker: req.broker,
    account: req.account,
    strategy: req.strategy,
    instrument: undefined,
    side: req.side,
    quantity: req.quantity,
    orderType: req.orderType,
    limitPrice: req.limitPrice,
    stopPrice: req.stopPrice,
    tif: req.tif,
    outsideRth: req.outsideRth,
    requestHash: hash,
  };
  if (!(await routable(ctx, req.broker)))
    return recordDenial(ctx, base, deny('BROKER_UNKNOWN', 'broker', `no broker connection named ${req.broker}`));

  const status = await brokerStatus(ctx, req.broker);
  if (!('broker' in status)) return recordDenial(ctx, base, status);
  const account = resolveAccount(req.account, status.accounts);
  if (!account.ok) return recordDenial(ctx, base, account);
  const withAccount = { ...base, account: account.value };

  const instrument = await qualify(ctx, req);
  if (!('secType' in instrument)) return recordDenial(ctx, withAccount, instrument);
  const order = { ...withAccount, instrument };

  const invalid = validateOrderParams(req, instrument, status.capabilities);
  if (!invalid.ok) return recordDenial(ctx, order, invalid);

  // One statement: the repeat check, the position and the open-order counts (positions.ts submitReads).
  const reads = await submitReads(ctx.db, ctx.brokers, {
    clientOrderId,
    broker: req.broker,
    account: account.value,
    instrumentId: instrument.id,
    strategy: req.strategy,
  });
  // A repeat is answered before it counts towards the command rate: it is not a new command.
  if (reads.exists) return duplicateReply(ctx, clientOrderId, hash);
  const now = ctx.clock();
  const rateAccount = ctx.live.countAndRecord(`account:${account.value}`, now);
  const rateStrategy = req.strategy === undefined ? 0 : ctx.live.countAndRecord(`strategy:${req.strategy}`, now);
  const denial = await checkRiskWithQuote(ctx, req.broker, instrument.id, {
    order: {
      account: account.value,
      strategy: req.strategy,
      side: req.side,
      quantity: req.quantity,
      orderType: req.orderType,
      limitPrice: req.limitPrice,
      stopPrice: req.stopPrice,
      multiplier: instrument.multiplier ?? '1',
    },
    mode: ctx.settings.tradingState.mode,
    config: ctx.settings.risk,
    position: reads.position,
    accountCounts: {
      openOrders: reads.accountOpen,
      commandsLastSecond: rateAccount,
    },
    strategyCounts: {
      openOrders: reads.strategyOpen,
      commandsLastSecond: rateStrategy,
    },
  });
  if (denial !== undefined) return recordDenial(ctx, order, denial);

  ctx.inFlight.add(clientOrderId);
  try {
    return await acceptAndSend(ctx, order, instrument, req);
  } finally {
    ctx.inFlight.delete(clientOrderId);
  }
}

async function acceptAndSend(
  ctx: OmsContext,
  order: NewOrder & { account: string },
  instrument: Instrument,
  req: SubmitOrder,
): Promise<OrderCommandReply> {
  let accepted: OrderRow;
  try {
    accepted = await insertOrder(
      ctx.db,
      order,
      'accepted',
      {
        instrument,
        side: req.side,
        quantity: req.quantity,
        orderType: req.orderType,
        ...(req.limitPrice === undefined ? {} : { limitPrice: req.limitPrice }),
        ...(req.stopPrice === undefined ? {} : { stopPrice: req.stopPrice }),
        tif: req.tif,
        outsideRth: req.outsideRth,
      },
      ctx.clock(),
    );
  } catch (err) {
    if (isUniqueViolation(err)) return duplicateReply(ctx, order.clientOrderId, order.requestHash);
    throw err;
  }
  ctx.relay.kick();
  return send(ctx, order, instrument, accepted);
}

async function send(
  ctx: OmsContext,
  order: NewOrder & { account: string },
  instrument: Instrument,
  accepted: OrderRow,
) {
  const outcome = await ctx.brokers.call(order.broker, 'placeOrder', {
    v: 1,
    clientOrderId: order.clientOrderId,
    account: order.account,
    instrument: { id: instrument.id, exchange: instrument.exchange },
    side: order.side,
    quantity: order.quantity,
    orderType: order.orderType,
    ...(order.limitPrice === undefined ? {} : { limitPrice: order.limitPrice }),
    ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
    tif: order.tif,
    outsideRth: order.outsideRth,
  });
  // Refused by the gateway: the order is rejected and the caller hears why (a retryable code such as
  // BROKER_DISCONNECTED means: submit again under a new clientOrderId once the broker is back).
  const replyFor = (row: OrderRow): OrderCommandReply => {
    const view = toOrderView(row);
    if (view === undefined) return errorReply('INTERNAL_ERROR', 'order without instrument');
    if (outcome.kind === 'refused' && row.state === 'rejected')
      return errorReply(outcome.code === 'NO_RESPONDERS' ? 'BROKER_DISCONNECTED' : outcome.code, outcome.message, {
        clientOrderId: row.client_order_id,
        state: row.state,
        brokerCode: outcome.brokerCode,
      });
    return { v: 1, ok: true, order: view };
  };
  // The stored reply is written in the same statement as the order's change.
  const withReply = (row: OrderRow) => ({ submit_reply: JSON.stringify(replyFor(row)) });
  const reply =
    (await recordSentFast(ctx, accepted, outcome, withReply, replyFor)) ??
    (await ctx.db.transaction().execute(async (trx) => {
      let row = await lockOrder(trx, order.clientOrderId);
      if (row === undefined) throw new OrderNotFoundError(order.clientOrderId);
      const now = ctx.clock();
      const opts = { nowMs: now, tsEventMs: now, derive: withReply };
      // Broker events may have moved the order on already (consumed concurrently): only `accepted` is ours to move.
      // "sent" means written to the broker's socket, not that the broker has it: pendingSubmit until it says so.
      if (outcome.kind === 'sent' && row.state === 'accepted') {
        const brokerOrderId = outcome.reply.orderId;
        row = await appendEvent(
          trx,
          row,
          'statusChanged',
          { from: 'accepted', to: 'pendingSubmit', brokerOrderId },
          { ...opts, patch: { state: 'pendingSubmit', broker_order_id: brokerOrderId } },
        );
      } else if (outcome.kind === 'sent' && row.broker_order_id === null) {
        // Moved on by broker events that did not name the broker's order id: the place reply's id is news, recorded
        // as an event so the order's view (the fold of its events) has it.
        const state = row.state as OrderState;
        const brokerOrderId = outcome.reply.orderId;
        row = await appendEvent(
          trx,
          row,
          'statusChanged',
          { from: state, to: state, brokerOrderId },
          { ...opts, patch: { broker_order_id: brokerOrderId } },
        );
      } else if (outcome.kind === 'sent') {
        row = { ...row, broker_order_id: outcome.reply.orderId };
        await patchOrder(trx, row.client_order_id, { broker_order_id: outcome.reply.orderId, ...withReply(row) });
      } else if (row.state === 'accepted' && outcome.kind === 'refused') {
        row = await appendEvent(
          trx,
          row,
          'rejected',
          { brokerCode: outcome.brokerCode, message: `${outcome.code}: ${outcome.message}` },
          { ...opts, patch: { state: 'rejected' } },
        );
      } else if (row.state === 'accepted' && outcome.kind === 'unknown') {
        row = await appendEvent(
          trx,
          row,
          'unresolved',
          { reason: outcome.message },
          { ...opts, patch: { state: 'unresolved' } },
        );
      } else await patchOrder(trx, row.client_order_id, withReply(row));
      return { reply: replyFor(row), cancelWaiting: cancelWaiting(row) };
    }));
  ctx.relay.kick();
  // A cancel asked while the place request was in flight waited for the broker order id: it has one now.
  if (reply.cancelWaiting) sendRememberedCancel(ctx, order.clientOrderId);
  return reply.reply;
}

/** A cancel asked while the place request was in flight waited for the broker order id: true when it has one now. */
const cancelWaiting = (row: OrderRow): boolean => row.cancel_requested_at_ms !== null && row.broker_order_id !== null;

/**
 * The common case of the place reply, in one statement: the gateway wrote the order and nothing else touched it
 * since our insert (still `accepted`, event 1, no broker order id), so it moves to pendingSubmit with the broker's
 * order id and the stored reply. Undefined when it had moved on (a broker event got there first) or the gateway
 * did not send it: the caller takes the locking transaction, which handles every case.
 */
async function recordSentFast(
  ctx: OmsContext,
  accepted: OrderRow,
  outcome: BrokerOutcome<'placeOrder'>,
  withReply: (row: OrderRow) => { submit_reply: string },
  replyFor: (row: OrderRow) => OrderCommandReply,
): Promise<{ reply: OrderCommandReply; cancelWaiting: boolean } | undefined> {
  if (outcome.kind !== 'sent') return undefined;
  const brokerOrderId = outcome.reply.orderId;
  const now = ctx.clock();
  // Committed without waiting for its WAL flush: the client's reply need not wait for a second flush (the accepted
  // order is durable; losing this write to a Postgres crash leaves the order as a crash between send and record
  // does, for reconciliation), and the relay makes it durable before its event is published (deferred-flush.ts).
  const row = await ctx.deferred.write((deferCommit) =>
    appendEventIfUnchanged(
      ctx.db,
      accepted,
      'statusChanged',
      { from: 'accepted', to: 'pendingSubmit', brokerOrderId },
      {
        nowMs: now,
        tsEventMs: now,
        patch: { state: 'pendingSubmit', broker_order_id: brokerOrderId },
        derive: withReply,
        alsoWhere: deferCommit,
      },
    ),
  );
  return row === undefined ? undefined : { reply: replyFor(row), cancelWaiting: cancelWaiting(row) };
}

async function recordDenial(ctx: OmsContext, order: NewOrder, d: Denial): Promise<OrderCommandReply> {
  const reply = errorReply(d.code, d.message, { rule: d.rule, clientOrderId: order.clientOrderId });
  try {
    await insertOrder(
      ctx.db,
      order,
      'denied',
      { reasonCode: d.code, rule: d.rule, message: d.message, ...deniedOrderFields(order) },
      ctx.clock(),
      { submit_reply: JSON.stringify(reply) },
    );
  } catch (err) {
    if (isUniqueViolation(err)) return duplicateReply(ctx, order.clientOrderId, order.requestHash);
    throw err;
  }
  ctx.relay.kick();
  ctx.logger.info({ clientOrderId: order.clientOrderId, code: d.code, rule: d.rule }, 'order denied');
  return reply;
}

/** The refused order as the OrderDenied event carries it (see its contract). */
function deniedOrderFields(o: NewOrder) {
  return {
    ...(o.instrument === undefined ? {} : { instrument: o.instrument }),
    side: o.side,
    quantity: o.quantity,
    orderType: o.orderType,
    ...(o.limitPrice === undefined ? {} : { limitPrice: o.limitPrice }),
    ...(o.stopPrice === undefined ? {} : { stopPrice: o.stopPrice }),
    tif: o.tif,
    outsideRth: o.outsideRth,
  };
}

/** The first caller's answer for a repeated clientOrderId (waiting while the first is still being handled). */
async function duplicateReply(ctx: OmsContext, clientOrderId: string, hash: string): Promise<OrderCommandReply> {
  const deadline = Date.now() + ctx.config.brokerTimeoutMs + 5_000;
  for (;;) {
    const row = await findOrder(ctx.db, clientOrderId);
    if (row === undefined) return errorReply('INTERNAL_ERROR', `order ${clientOrderId} vanished`);
    if (row.request_hash !== hash)
      return errorReply('DUPLICATE_ORDER', `clientOrderId ${clientOrderId} is already used by a different order`);
    if (row.submit_reply !== null)
      return (
        typeof row.submit_reply === 'string' ? JSON.parse(row.submit_reply) : row.submit_reply
      ) as OrderCommandReply;
    if (Date.now() > deadline) {
      const view = toOrderView(row);
      return view === undefined
        ? errorReply('SERVICE_UNAVAILABLE', 'order still being handled')
        : { v: 1, ok: true, order: view };
    }
    await pause(20);
  }
}

async function qualify(ctx: OmsContext, req: SubmitOrder): Promise<Instrument | Denial> {
  const outcome = await ctx.brokers.qualify(req.broker, req.instrument);
  if (outcome.kind === 'unknown') return deny('TIMEOUT', 'instrument', outcome.message);
  if (outcome.kind === 'refused') {
    const code: ErrorCode = outcome.code === 'NO_RESPONDERS' ? 'BROKER_DISCONNECTED' : outcome.code;
    return deny(code, 'instrument', outcome.message);
  }
  return outcome.instrument;
}
