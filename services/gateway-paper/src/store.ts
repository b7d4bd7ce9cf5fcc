/**
 * The paper broker's books in Postgres (PGlite embedded). Every change of the exchange core is committed in one
 * transaction before anyone hears of it: the core's snapshot (what a restart resumes from), the orders, executions,
 * positions and cash it touched, and the contract events to publish (the outbox). A command is answered, and an
 * event published, only after its commit: a restart resumes exactly at the last answered state.
 */
import type { Instrument } from '@trading-system/contracts';
import type { ExchangeSnapshot, ExecutionRecord, OrderRecord, PositionView } from '@trading-system/exchange';
import type { Kysely } from '@trading-system/storage';
import type { PaperDb } from './db-types.js';
import { microsToDecimal, numberToDecimal } from './decimals.js';
import type { Fact } from './facts.js';

export interface CashRow {
  readonly account: string;
  readonly currency: string;
  readonly micros: bigint;
}

/** What one change of the core wrote: the state after it, and what it touched. */
export interface Change {
  readonly snapshot: ExchangeSnapshot;
  readonly savedAtMs: number;
  readonly orders: readonly OrderRecord[];
  readonly executions: readonly ExecutionRecord[];
  readonly positions: readonly PositionView[];
  readonly cash: readonly CashRow[];
  readonly facts: readonly Fact[];
}

export interface StoredFact extends Fact {
  readonly seq: string;
}

export class PaperStore {
  constructor(
    private readonly db: Kysely<PaperDb>,
    readonly broker: string,
  ) {}

  async loadSnapshot(): Promise<unknown> {
    const row = await this.db
      .selectFrom('state')
      .select('snapshot')
      .where('broker', '=', this.broker)
      .executeTakeFirst();
    return row?.snapshot;
  }

  /** The paper market's time of the last commit (a replay resumes there), if any. */
  async loadSavedAt(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('state')
      .select('saved_at_ms')
      .where('broker', '=', this.broker)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.saved_at_ms);
  }

  async loadInstruments(): Promise<Instrument[]> {
    const rows = await this.db
      .selectFrom('instruments')
      .select('instrument')
      .where('broker', '=', this.broker)
      .execute();
    return rows.map((r) => r.instrument as Instrument);
  }

  async saveInstrument(i: Instrument): Promise<void> {
    await this.db
      .insertInto('instruments')
      .values({ broker: this.broker, instrument_id: i.id, instrument: JSON.stringify(i) })
      .onConflict((oc) => oc.columns(['broker', 'instrument_id']).doUpdateSet({ instrument: JSON.stringify(i) }))
      .execute();
  }

  async commit(c: Change): Promise<void> {
    const broker = this.broker;
    await this.db.transaction().execute(async (tx) => {
      const snapshot = JSON.stringify(c.snapshot);
      await tx
        .insertInto('state')
        .values({ broker, snapshot, saved_at_ms: c.savedAtMs })
        .onConflict((oc) => oc.column('broker').doUpdateSet({ snapshot, saved_at_ms: c.savedAtMs }))
        .execute();
      for (const o of c.orders) {
        const row = {
          perm_id: o.permId,
          client_order_id: o.orderRef,
          account: o.account,
          instrument_id: o.instrumentId,
          side: o.action,
          quantity: numberToDecimal(o.totalQuantity),
          order_type: o.orderType,
          limit_price: o.lmtPrice === undefined ? null : numberToDecimal(o.lmtPrice),
          stop_price: o.auxPrice === undefined ? null : numberToDecimal(o.auxPrice),
          tif: o.tif,
          status: o.status,
          filled: numberToDecimal(o.filled),
          updated_at_ms: o.updatedAtMs,
        };
        await tx
          .insertInto('orders')
          .values({ broker, order_id: o.orderId, ...row })
          .onConflict((oc) => oc.columns(['broker', 'order_id']).doUpdateSet(row))
          .execute();
      }
      for (const x of c.executions) {
        await tx
          .insertInto('executions')
          .values({
            broker,
            exec_id: x.execId,
            order_id: x.orderId,
            client_order_id: x.orderRef,
            account: x.account,
            instrument_id: x.instrumentId,
            side: x.side === 'BOT' ? 'BUY' : 'SELL',
            quantity: numberToDecimal(x.shares),
            price: numberToDecimal(x.price),
            commission: microsToDecimal(x.commissionMicros),
            currency: x.commissionCurrency,
            realized_pnl: x.realizedPnLMicros === undefined ? null : microsToDecimal(x.realizedPnLMicros),
            exec_time_ms: x.timeMs,
          })
          .onConflict((oc) => oc.columns(['broker', 'exec_id']).doNothing())
          .execute();
      }
      for (const p of c.positions) {
        const row = {
          quantity: numberToDecimal(p.position),
          cost_basis: microsToDecimal(p.costBasisMicros),
          realized_pnl: microsToDecimal(p.realizedPnLMicros),
        };
        await tx
          .insertInto('positions')
          .values({ broker, account: p.account, instrument_id: p.instrumentId, ...row })
          .onConflict((oc) => oc.columns(['broker', 'account', 'instrument_id']).doUpdateSet(row))
          .execute();
      }
      for (const m of c.cash) {
        const amount = microsToDecimal(m.micros);
        await tx
          .insertInto('cash')
          .values({ broker, account: m.account, currency: m.currency, amount })
          .onConflict((oc) => oc.columns(['broker', 'account', 'currency']).doUpdateSet({ amount }))
          .execute();
      }
      if (c.facts.length > 0)
        await tx
          .insertInto('outbox')
          .values(c.facts.map((f) => ({ broker, kind: f.kind, event_id: f.eventId, body: JSON.stringify(f.body) })))
          .execute();
    });
  }

  /** Outbox rows not yet acknowledged by JetStream, oldest first. */
  async pendingFacts(limit: number): Promise<StoredFact[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['seq', 'kind', 'event_id', 'body'])
      .where('broker', '=', this.broker)
      .where('published', '=', false)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: String(r.seq),
      kind: r.kind as Fact['kind'],
      eventId: r.event_id,
      body: r.body as Fact['body'],
    }));
  }

  async markPublished(seqs: readonly string[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.db
      .updateTable('outbox')
      .set({ published: true })
      .where('broker', '=', this.broker)
      .where('seq', 'in', seqs)
      .execute();
  }
}
