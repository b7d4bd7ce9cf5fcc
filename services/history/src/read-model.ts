import type { Bus, Consumer, JetStreamMessage } from '@trading-system/bus';
import {
  type FoldedOrder,
  foldOrder,
  inCurrentWords,
  type OrderEvent,
  type OrderView,
  type TradeRecord,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type Kysely, sql, type Transaction } from '@trading-system/storage';
import type { HistoryDb } from './db-types.js';

/** Version of the fold the rows were last derived with (read_model.folded_version); raise it to refold at start. */
// 2: views carry lastRejection (the reason of a denial or broker rejection, as the OMS keeps it).
const FOLD_VERSION = 2;

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
 * The order/trade read model, built only from the ORDERS stream (never from the OMS tables). Each event is stored
 * once, keyed by (broker, eventId), and the order's row and trades are then derived again from all of the order's
 * stored events (`foldOrder`), under a lock on the order: events may arrive in any order (a redelivery after a
 * failed attempt, a republish, a fill before the order's first event) and the rows converge to the same result.
 * An event whose order has not started yet is kept and counted in its fold once the start arrives; nothing is
 * acknowledged without being stored. `rebuild` drops the model and replays the stream from its start with a fresh
 * durable.
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

  /** Events stored since start (duplicates excluded) and the last stream sequence handled. */
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

  /**
   * Derives every order's row and trades again from the stored events, once per database: an earlier version
   * acknowledged events of orders it had no row for yet and never applied them, so its rows may be stale.
   */
  async refoldOnce(): Promise<void> {
    const row = await this.db
      .selectFrom('read_model')
      .select('folded_version')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    if ((row.folded_version ?? 0) >= FOLD_VERSION) return;
    const n = await this.refoldAll();
    await this.db.updateTable('read_model').set({ folded_version: FOLD_VERSION }).where('id', '=', 1).execute();
    this.log.info({ orders: n }, 'order read model derived again from the stored events');
  }

  /** Derives every order's row and trades again from the stored events; returns the number of orders. */
  async refoldAll(): Promise<number> {
    const ids = await this.db.selectFrom('order_events').select('client_order_id').distinct().execute();
    for (const { client_order_id: id } of ids) await this.db.transaction().execute((trx) => refold(trx, id));
    return ids.length;
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
    const outcome = await this.db.transaction().execute((trx) => store(trx, e, msg.seq));
    if (outcome !== undefined) {
      this.applied += 1;
      if (outcome.view === undefined)
        this.log.info(
          { clientOrderId: e.clientOrderId, seq: e.seq, kind: e.kind, streamSeq: msg.seq },
          'order event stored before the event that starts its order; folded in when that arrives',
        );
      else if (outcome.missingSeqs.length > 0)
        // Folded anyway (the stream is the truth); a hole that stays means an event never reached ORDERS.
        this.log.warn(
          { clientOrderId: e.clientOrderId, missingSeqs: outcome.missingSeqs.slice(0, 20), seq: e.seq },
          'order event sequence gap',
        );
    }
    this.lastStreamSeq = Math.max(this.lastStreamSeq, msg.seq);
    await msg.ack();
  }
}

/**
 * Serialises everything done to one order (two history instances, or a redelivery racing a slow first attempt):
 * without it two transactions could each fold without the other's new event and the last commit would lose one.
 */
async function lockOrder(trx: Transaction<HistoryDb>, clientOrderId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`history.order:${clientOrderId}`}, 0))`.execute(trx);
}

/** Stores `e` and derives its order again; undefined when the event was already stored (a duplicate). */
async function store(trx: Transaction<HistoryDb>, e: OrderEvent, streamSeq: number): Promise<FoldedOrder | undefined> {
  await lockOrder(trx, e.clientOrderId);
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
    .onConflict((oc) => oc.columns(['broker', 'event_id']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;
  return refold(trx, e.clientOrderId, e);
}

/**
 * Writes the order's row as its stored events fold, and the trades `touched` can have changed: a fill's or a
 * commission's own trade, every trade when it starts the order (the fills before it become trades now) or when
 * undefined (a repair). The caller holds, or takes here, the order's lock.
 */
async function refold(trx: Transaction<HistoryDb>, clientOrderId: string, touched?: OrderEvent): Promise<FoldedOrder> {
  await lockOrder(trx, clientOrderId);
  const rows = await trx
    .selectFrom('order_events')
    .select('event')
    .where('client_order_id', '=', clientOrderId)
    .execute();
  // Stored as parsed on receipt: not validated again, or a later, stricter schema would stop the order's fold; an
  // older event's broker ids (IB integers) are read as the strings they are now.
  const folded = foldOrder(rows.map((r) => inCurrentWords(r.event as OrderEvent)));
  if (folded.view === undefined) return folded;
  const { client_order_id: _id, ...changes } = orderRow(folded.view);
  await trx
    .insertInto('orders')
    .values(orderRow(folded.view))
    .onConflict((oc) => oc.column('client_order_id').doUpdateSet(changes))
    .execute();
  const trades = folded.trades.filter((t) =>
    touched === undefined || touched.kind === 'accepted' || touched.kind === 'denied'
      ? true
      : touched.kind === 'filled' || touched.kind === 'partiallyFilled' || touched.kind === 'commission'
        ? t.execId === touched.execId && t.broker === touched.broker
        : false,
  );
  if (trades.length > 0)
    await trx
      .insertInto('trades')
      .values(trades.map(tradeRow))
      .onConflict((oc) =>
        oc
          .columns(['broker', 'exec_id'])
          .doUpdateSet((eb) => ({
            client_order_id: eb.ref('excluded.client_order_id'),
            account: eb.ref('excluded.account'),
            instrument_id: eb.ref('excluded.instrument_id'),
            symbol: eb.ref('excluded.symbol'),
            strategy: eb.ref('excluded.strategy'),
            side: eb.ref('excluded.side'),
            quantity: eb.ref('excluded.quantity'),
            price: eb.ref('excluded.price'),
            commission: eb.ref('excluded.commission'),
            commission_currency: eb.ref('excluded.commission_currency'),
            realized_pnl: eb.ref('excluded.realized_pnl'),
            ts_event_ms: eb.ref('excluded.ts_event_ms'),
          }))
          // An exec id another order of the broker already traded keeps its first order's trade, as before.
          .where('trades.client_order_id', '=', (eb) => eb.ref('excluded.client_order_id')),
      )
      .execute();
  return folded;
}

function tradeRow(t: TradeRecord) {
  return {
    exec_id: t.execId,
    client_order_id: t.clientOrderId,
    broker: t.broker,
    account: t.account,
    instrument_id: t.instrumentId,
    symbol: t.symbol,
    strategy: t.strategy ?? null,
    side: t.side,
    quantity: t.quantity,
    price: t.price,
    commission: t.commission ?? null,
    commission_currency: t.commissionCurrency ?? null,
    realized_pnl: t.realizedPnl ?? null,
    ts_event_ms: t.tsEventMs,
  };
}

function orderRow(v: OrderView) {
  return {
    client_order_id: v.clientOrderId,
    broker: v.broker,
    account: v.account,
    instrument_id: v.instrument.id,
    symbol: v.instrument.symbol,
    strategy: v.strategy ?? null,
    state: v.state,
    view: JSON.stringify(v),
    created_at_ms: v.createdAtMs,
    updated_at_ms: v.updatedAtMs,
  };
}
