import type { Bus, Consumer, JetStreamMessage } from '@trading-system/bus';
import { type OrderEvent, OrderView } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type Kysely, sql, type Transaction } from '@trading-system/storage';
import type { HistoryDb } from './db-types.js';
import { applyEvent, tradeFromFill, viewFromAccepted, viewFromDenied } from './order-view.js';

export interface ReadModelOptions {
  /** JetStream stream holding the order events (ORDERS). */
  readonly stream: string;
  /** Subjects consumed (default `orders.evt.>`). */
  readonly filterSubject: string;
  /** Base durable name; the consumer is `<base>-g<generation>`, so a rebuild starts from the first message. */
  readonly durableBase: string;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
}

/**
 * The order/trade read model, built only from the ORDERS stream (never from the OMS tables). Every event is
 * applied in one transaction keyed by its eventId: a redelivered or republished event changes nothing. `rebuild`
 * drops the model and replays the stream from its start with a fresh durable.
 */
export class OrderReadModel {
  private consumer: Consumer | undefined;
  private applied = 0;
  private lastStreamSeq = 0;

  constructor(
    private readonly db: Kysely<HistoryDb>,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly options: ReadModelOptions,
  ) {}

  /** Events applied since start (duplicates excluded) and the last stream sequence handled. */
  get stats(): { applied: number; lastStreamSeq: number } {
    return { applied: this.applied, lastStreamSeq: this.lastStreamSeq };
  }

  async start(): Promise<void> {
    const row = await this.db
      .selectFrom('read_model')
      .select('generation')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    await this.consume(row.generation);
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    await c?.stop();
  }

  /** Drops the read model and replays the whole stream into it under a new durable consumer. */
  async rebuild(): Promise<number> {
    await this.stop();
    const generation = await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('trades').execute();
      await trx.deleteFrom('order_events').execute();
      await trx.deleteFrom('orders').execute();
      const r = await trx
        .updateTable('read_model')
        .set({ generation: sql`generation + 1` })
        .where('id', '=', 1)
        .returning('generation')
        .executeTakeFirstOrThrow();
      return r.generation;
    });
    this.applied = 0;
    this.lastStreamSeq = 0;
    this.log.info({ generation }, 'order read model dropped; replaying the stream');
    await this.consume(generation);
    return generation;
  }

  private async consume(generation: number): Promise<void> {
    this.consumer = await this.bus.jetstream.consume<OrderEvent>(
      {
        stream: this.options.stream,
        durable: `${this.options.durableBase}-g${generation}`,
        filterSubject: this.options.filterSubject,
        ackWaitMs: this.options.ackWaitMs,
        maxDeliver: this.options.maxDeliver,
        deliver: 'all',
        retryDelayMs: 1_000,
      },
      (msg) => this.handle(msg),
    );
  }

  private async handle(msg: JetStreamMessage<OrderEvent>): Promise<void> {
    const e = msg.data;
    const outcome = await this.db.transaction().execute((trx) => applyToDb(trx, e, msg.seq));
    if (outcome.fresh) this.applied += 1;
    if (outcome.gapAfter !== undefined) {
      // Applied anyway (the stream is the truth); a gap means an event never reached ORDERS: worth an operator's look.
      this.log.warn(
        { clientOrderId: e.clientOrderId, lastSeq: outcome.gapAfter, seq: e.seq, streamSeq: msg.seq },
        'order event sequence gap',
      );
    }
    this.lastStreamSeq = Math.max(this.lastStreamSeq, msg.seq);
    await msg.ack();
  }
}

/**
 * Applies one event. `fresh` is false when its eventId was already applied; `gapAfter` is the order's last seq when
 * this event skips sequence numbers.
 */
async function applyToDb(
  trx: Transaction<HistoryDb>,
  e: OrderEvent,
  streamSeq: number,
): Promise<{ fresh: boolean; gapAfter?: number }> {
  const inserted = await trx
    .insertInto('order_events')
    .values({
      event_id: e.eventId,
      client_order_id: e.clientOrderId,
      seq: e.seq,
      kind: e.kind,
      broker: e.broker,
      account: e.account,
      ts_event_ms: e.tsEventMs,
      stream_seq: streamSeq,
      event: JSON.stringify(e),
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return { fresh: false };

  const first = e.kind === 'accepted' ? viewFromAccepted(e) : e.kind === 'denied' ? viewFromDenied(e) : undefined;
  if (first !== undefined) {
    const view = first;
    await trx
      .insertInto('orders')
      .values(orderRow(view))
      .onConflict((oc) => oc.column('client_order_id').doNothing())
      .execute();
    return { fresh: true };
  }
  const row = await trx
    .selectFrom('orders')
    .select('view')
    .where('client_order_id', '=', e.clientOrderId)
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined) return { fresh: true }; // no view (a denial without its order): the event log keeps it
  const view = OrderView.parse(row.view);
  const gapAfter = e.seq > view.lastSeq + 1 ? view.lastSeq : undefined;
  const next = applyEvent(view, e);
  const { client_order_id: _id, ...changes } = orderRow(next);
  await trx.updateTable('orders').set(changes).where('client_order_id', '=', e.clientOrderId).execute();

  if (e.kind === 'filled' || e.kind === 'partiallyFilled') {
    const t = tradeFromFill(next, e);
    await trx
      .insertInto('trades')
      .values({
        exec_id: t.execId,
        client_order_id: t.clientOrderId,
        broker: t.broker,
        account: t.account,
        con_id: t.conId,
        symbol: t.symbol,
        strategy: t.strategy ?? null,
        side: t.side,
        quantity: t.quantity,
        price: t.price,
        commission: t.commission ?? null,
        commission_currency: t.commissionCurrency ?? null,
        realized_pnl: null,
        ts_event_ms: t.tsEventMs,
      })
      .onConflict((oc) => oc.columns(['broker', 'exec_id']).doNothing())
      .execute();
  } else if (e.kind === 'commission') {
    await trx
      .updateTable('trades')
      .set({ commission: e.commission, commission_currency: e.currency, realized_pnl: e.realizedPnl ?? null })
      .where('broker', '=', e.broker)
      .where('exec_id', '=', e.execId)
      .execute();
  }
  return gapAfter === undefined ? { fresh: true } : { fresh: true, gapAfter };
}

function orderRow(v: OrderView) {
  return {
    client_order_id: v.clientOrderId,
    broker: v.broker,
    account: v.account,
    con_id: v.instrument.conId,
    symbol: v.instrument.symbol,
    strategy: v.strategy ?? null,
    state: v.state,
    view: JSON.stringify(v),
    created_at_ms: v.createdAtMs,
    updated_at_ms: v.updatedAtMs,
  };
}
