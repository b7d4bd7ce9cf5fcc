/**
 * After a fault: settle (bounded), then count what a trading system must never do, comparing what the clients
 * asked for, the OMS ledger, history's read model and ib-sim (the broker, the truth):
 *
 * - lost: an order the OMS accepted with no ledger row; a ledger order that claims the broker has it (a state the
 *   broker reports, or a filled quantity) which the broker never received; a broker execution missing from the
 *   ledger's fills.
 * - duplicated: an orderRef (= clientOrderId) at the broker more than once, a broker order id shared by two
 *   orders, a ledger fill the broker never executed, a filled quantity above the broker's.
 * - misdirected: a broker order whose orderRef is no ledger order, a broker order cancelled though nobody asked to
 *   cancel it, a broker quantity nobody asked for on that order, a fill booked to another order than the
 *   execution's.
 * - stateDifferences: a final ledger state the broker contradicts (filled vs not Filled, cancelled while still
 *   working or filled at the broker) or a filled quantity other than the broker's.
 * - notFinal: ledger orders not in a final state once settled.
 * - positionDifferences: (account, instrumentId) where orders.positions differs from ib-sim's positions.
 * - historyDifferences: order events not in history's read model exactly once, orders whose state there differs
 *   from the ledger, trades ≠ fills.
 * - untyped / unanswered: refusals without a registry code; commands with no final answer.
 * - crashes: service processes that exited without the test killing them.
 */
import { type Bus, NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import { FINAL_ORDER_STATES, type OrderState, Subjects } from '@trading-system/contracts';
import { createDatabase, type Database, type Kysely } from '@trading-system/storage';
import type { System } from '../../support/system.js';
import type { FlowRecord } from './flow.js';

export interface SimOrder {
  readonly orderId: number;
  readonly orderRef: string;
  readonly status: string;
  readonly totalQuantity: number;
  readonly filled: number;
}
interface SimExecution {
  readonly execId: string;
  readonly orderRef: string;
  readonly shares: number;
}
/** ib-sim's position (its control API speaks IB's conId; gateway-ib's instrument id is its decimal string). */
interface SimPosition {
  readonly account: string;
  readonly conId: number;
  readonly position: number;
}
interface LedgerOrder {
  readonly client_order_id: string;
  readonly state: string;
  readonly filled_qty: string;
  readonly broker_order_id: number | null;
}

/** The columns the audit reads, of schema `orders` (orders, order_events, fills) and `history` (orders, trades). */
interface AuditDb {
  orders: { client_order_id: string; state: string; filled_qty: string; broker_order_id: number | null };
  order_events: { event_id: string; published_at: Date | null };
  fills: { exec_id: string; client_order_id: string; quantity: string };
  trades: { exec_id: string };
}

export interface Counts {
  readonly orders: number;
  readonly accepted: number;
  readonly refused: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly misdirected: number;
  readonly stateDifferences: number;
  readonly notFinal: number;
  readonly positionDifferences: number;
  readonly historyDifferences: number;
  readonly untyped: number;
  readonly unanswered: number;
  readonly crashes: number;
}

/** The counts that must be zero. */
export const MUST_BE_ZERO = [
  'lost',
  'duplicated',
  'misdirected',
  'stateDifferences',
  'notFinal',
  'positionDifferences',
  'historyDifferences',
  'untyped',
  'unanswered',
  'crashes',
] as const;

export interface Audit {
  readonly counts: Counts;
  /** Why each non-zero count is not zero (first examples). */
  readonly details: Record<string, string[]>;
  readonly codes: Record<string, number>;
  readonly states: Record<string, number>;
}

const num = (s: string | number) => Number(s);

/** The audit's view of the system: the test database read as its owner, ib-sim's control surface, the OMS. */
export class Auditor {
  private constructor(
    private readonly system: System,
    private readonly database: Database<AuditDb>,
    private readonly bus: Bus,
  ) {}

  static async open(system: System): Promise<Auditor> {
    // Straight to Postgres (never through the proxy a test cuts), as the database owner: both schemas readable.
    const database = await createDatabase<AuditDb>({ kind: 'pg', url: system.database.adminUrl, poolMax: 2 });
    return new Auditor(system, database, system.bus);
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  private get db(): Kysely<AuditDb> {
    return this.database.db;
  }

  private async ledgerOrders(): Promise<LedgerOrder[]> {
    return this.db
      .withSchema('orders')
      .selectFrom('orders')
      .select(['client_order_id', 'state', 'filled_qty', 'broker_order_id'])
      .execute();
  }

  private async simOrders(): Promise<SimOrder[]> {
    const r = await this.system.control<{ open: SimOrder[]; completed: SimOrder[] }>('/orders');
    return [...r.open, ...r.completed];
  }

  /** The last answer to the settle phase's cancel of each order (why an order stayed open). */
  private readonly cancelAnswers = new Map<string, string>();

  private async cancel(clientOrderId: string, record: FlowRecord): Promise<void> {
    record.cancelsAsked.add(clientOrderId);
    try {
      const r = await this.bus.request<{ ok: boolean; code?: string; message?: string; order?: { state: string } }>(
        Subjects.ordersCancel.build(),
        { v: 1, clientOrderId },
        { timeoutMs: 15_000 },
      );
      this.cancelAnswers.set(clientOrderId, r.ok ? `ok (${r.order?.state})` : `${r.code}: ${r.message}`);
    } catch (err) {
      if (!(err instanceof NoRespondersError) && !(err instanceof RequestTimeoutError)) throw err;
      this.cancelAnswers.set(clientOrderId, err.name);
    }
  }

  /**
   * Waits (at most `timeoutMs`) until every ledger order of the scenario is final, the outbox is published, nothing of ours works
   * at ib-sim, every ib-sim execution is in the ledger and history has caught up. Orders still working are
   * cancelled as a client would, through the OMS (recorded as asked in `record`); again every 5 s while open.
   */
  async settle(record: FlowRecord, timeoutMs: number): Promise<{ settled: boolean; ms: number; why: string }> {
    const started = Date.now();
    const lastCancel = new Map<string, number>();
    let why = '';
    for (;;) {
      const ledger = await this.ledgerOrders();
      // Final: this scenario's orders (an earlier scenario's leftovers are that scenario's failure, counted there).
      const open = ledger.filter(
        (o) => o.client_order_id.startsWith(`${record.prefix}-`) && !FINAL_ORDER_STATES.has(o.state as OrderState),
      );
      const unpublished = await this.db
        .withSchema('orders')
        .selectFrom('order_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('published_at', 'is', null)
        .executeTakeFirstOrThrow();
      const simOpen = (await this.system.control<{ open: SimOrder[] }>('/orders')).open;
      const execs = (await this.system.control<{ executions: SimExecution[] }>('/executions')).executions;
      const fills = await this.db
        .withSchema('orders')
        .selectFrom('fills')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      const history = await this.historyDifferences(ledger, record.prefix);
      why =
        `open ${open.length} (${[...new Set(open.map((o) => o.state))].join(',')}), unpublished ${unpublished.n}, ` +
        `working at ib-sim ${simOpen.length}, fills ${fills.n}/${execs.length} executions, history behind ${history.length}`;
      if (
        open.length === 0 &&
        num(unpublished.n) === 0 &&
        simOpen.length === 0 &&
        num(fills.n) === execs.length &&
        history.length === 0
      )
        return { settled: true, ms: Date.now() - started, why };
      if (Date.now() - started > timeoutMs) return { settled: false, ms: Date.now() - started, why };
      // Cancel what works at the broker or may: orders the OMS holds open, and broker orders it holds final.
      const toCancel = new Set(open.map((o) => o.client_order_id));
      for (const s of simOpen) toCancel.add(s.orderRef);
      const now = Date.now();
      await Promise.all(
        [...toCancel]
          .filter((id) => now - (lastCancel.get(id) ?? 0) > 5_000)
          .slice(0, 50)
          .map((id) => {
            lastCancel.set(id, now);
            return this.cancel(id, record);
          }),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * History against the ledger: the same order events (by eventId, each once), the same state for every order
   * history holds a view of (history keeps no view of a denial made before the order's fields were known: its
   * event only), the same trades as fills.
   */
  private async historyDifferences(ledger: readonly LedgerOrder[], prefix?: string): Promise<string[]> {
    const orders = this.db.withSchema('orders');
    const history = this.db.withSchema('history');
    const views = await history.selectFrom('orders').select(['client_order_id', 'state']).execute();
    const events = await history.selectFrom('order_events').select('event_id').execute();
    const ledgerEvents = await orders.selectFrom('order_events').select('event_id').execute();
    const trades = await history.selectFrom('trades').select('exec_id').execute();
    const fills = await orders.selectFrom('fills').select('exec_id').execute();
    const out: string[] = [];
    const historyEvents = new Set(events.map((e) => e.event_id));
    for (const e of ledgerEvents) if (!historyEvents.has(e.event_id)) out.push(`event ${e.event_id} not in history`);
    if (events.length !== ledgerEvents.length)
      out.push(`history holds ${events.length} order events, the ledger ${ledgerEvents.length}`);
    const inHistory = new Map(views.map((r) => [r.client_order_id, r.state]));
    for (const o of ledger) {
      // States of one scenario's orders (an earlier scenario's are that scenario's count); events and trades all.
      if (prefix !== undefined && !o.client_order_id.startsWith(`${prefix}-`)) continue;
      const h = inHistory.get(o.client_order_id);
      if (h === undefined ? o.state !== 'denied' : h !== o.state)
        out.push(`${o.client_order_id}: ledger ${o.state}, history ${h ?? 'missing'}`);
    }
    const tradeIds = new Set(trades.map((t) => t.exec_id));
    for (const f of fills) if (!tradeIds.has(f.exec_id)) out.push(`fill ${f.exec_id} is no history trade`);
    if (trades.length !== fills.length)
      out.push(`history holds ${trades.length} trades, the ledger ${fills.length} fills`);
    return out;
  }

  /**
   * The counts for one scenario's orders (those of `record`) plus the system-wide ones (executions, positions,
   * history, crashes). `asked` is every scenario's record so far: a broker-side change any client asked for is
   * not misdirected.
   */
  async count(record: FlowRecord, asked: readonly FlowRecord[]): Promise<Audit> {
    const details: Record<string, string[]> = {};
    const note = (key: string, line: string) => {
      details[key] ??= [];
      details[key].push(line);
    };
    const ledger = await this.ledgerOrders();
    const byId = new Map(ledger.map((o) => [o.client_order_id, o]));
    const sim = await this.simOrders();
    const execs = (await this.system.control<{ executions: SimExecution[] }>('/executions')).executions;
    const fills: { exec_id: string; client_order_id: string; quantity: string }[] = await this.db
      .withSchema('orders')
      .selectFrom('fills')
      .select(['exec_id', 'client_order_id', 'quantity'])
      .execute();

    const simByRef = new Map<string, SimOrder[]>();
    for (const s of sim) simByRef.set(s.orderRef, [...(simByRef.get(s.orderRef) ?? []), s]);
    const simIds = new Map<number, number>();
    for (const s of sim) simIds.set(s.orderId, (simIds.get(s.orderId) ?? 0) + 1);
    const execShares = new Map<string, number>();
    for (const e of execs) execShares.set(e.orderRef, (execShares.get(e.orderRef) ?? 0) + e.shares);
    const cancelsAsked = new Set(asked.flatMap((r) => [...r.cancelsAsked]));
    const quantities = new Map(asked.flatMap((r) => [...r.quantities]));
    const mine = (id: string) => id.startsWith(`${record.prefix}-`);

    // Lost.
    for (const [id, r] of record.submits)
      if (r.ok && !byId.has(id)) note('lost', `${id}: accepted (${r.order?.state}) but no ledger row`);
    for (const o of ledger.filter((x) => mine(x.client_order_id))) {
      const atBroker = simByRef.get(o.client_order_id);
      const claims =
        ['submitted', 'partiallyFilled', 'pendingCancel', 'filled'].includes(o.state) || num(o.filled_qty) > 0;
      if (claims && atBroker === undefined) note('lost', `${o.client_order_id}: ledger ${o.state}, never at ib-sim`);
    }
    const fillById = new Map(fills.map((f) => [f.exec_id, f]));
    for (const e of execs)
      if (!fillById.has(e.execId)) note('lost', `execution ${e.execId} (${e.orderRef}) not in the ledger`);

    // Duplicated.
    for (const [ref, list] of simByRef)
      if (list.length > 1) note('duplicated', `${ref} at ib-sim ${list.length} times`);
    for (const [orderId, n] of simIds) if (n > 1) note('duplicated', `ib-sim order id ${orderId} used ${n} times`);
    const execIds = new Set(execs.map((e) => e.execId));
    for (const f of fills)
      if (!execIds.has(f.exec_id)) note('duplicated', `fill ${f.exec_id} never executed at ib-sim`);
    for (const o of ledger)
      if (num(o.filled_qty) > (execShares.get(o.client_order_id) ?? 0))
        note(
          'duplicated',
          `${o.client_order_id}: ledger filled ${o.filled_qty} > ib-sim ${execShares.get(o.client_order_id) ?? 0}`,
        );

    // Misdirected.
    for (const s of sim) {
      if (!byId.has(s.orderRef)) note('misdirected', `ib-sim order ${s.orderId} (${s.orderRef}) is no ledger order`);
      if (s.status === 'Cancelled' && !cancelsAsked.has(s.orderRef) && s.filled < s.totalQuantity)
        note('misdirected', `ib-sim order ${s.orderId} (${s.orderRef}) cancelled, nobody asked`);
      const allowed = quantities.get(s.orderRef);
      if (allowed !== undefined && !allowed.has(String(s.totalQuantity)))
        note(
          'misdirected',
          `ib-sim order ${s.orderId} (${s.orderRef}) quantity ${s.totalQuantity}, asked ${[...allowed]}`,
        );
    }
    const execById = new Map(execs.map((e) => [e.execId, e]));
    for (const f of fills) {
      const e = execById.get(f.exec_id);
      if (e !== undefined && e.orderRef !== f.client_order_id)
        note('misdirected', `fill ${f.exec_id} booked to ${f.client_order_id}, executed for ${e.orderRef}`);
    }

    // State differences and orders not final (this scenario's).
    for (const o of ledger.filter((x) => mine(x.client_order_id))) {
      const s = simByRef.get(o.client_order_id)?.[0];
      if (!FINAL_ORDER_STATES.has(o.state as OrderState))
        note(
          'notFinal',
          `${o.client_order_id}: ${o.state} (broker order id ${o.broker_order_id}), ib-sim ` +
            `${s === undefined ? 'none' : `${s.orderId} ${s.status}`}, last cancel: ${this.cancelAnswers.get(o.client_order_id) ?? 'none'}`,
        );
      const brokerFilled = execShares.get(o.client_order_id) ?? 0;
      if (num(o.filled_qty) !== brokerFilled)
        note('stateDifferences', `${o.client_order_id}: ledger filled ${o.filled_qty}, ib-sim ${brokerFilled}`);
      if (s === undefined) continue;
      const contradicted =
        (o.state === 'filled' && s.status !== 'Filled') ||
        (['cancelled', 'expired', 'rejected'].includes(o.state) &&
          (s.status === 'Filled' || ['PreSubmitted', 'Submitted', 'PendingCancel'].includes(s.status)));
      if (contradicted) note('stateDifferences', `${o.client_order_id}: ledger ${o.state}, ib-sim ${s.status}`);
    }

    // Positions: the OMS's ledger positions against ib-sim's.
    const pos = await this.bus.request<{
      ok: boolean;
      positions?: { account: string; instrumentId: string; quantity: string }[];
    }>(Subjects.ordersPositions.build(), { v: 1, broker: this.system.broker }, { timeoutMs: 15_000 });
    if (!pos.ok) note('positionDifferences', `orders.positions refused: ${JSON.stringify(pos)}`);
    const ledgerPos = new Map(
      (pos.positions ?? [])
        .filter((p) => num(p.quantity) !== 0)
        .map((p) => [`${p.account}|${p.instrumentId}`, num(p.quantity)]),
    );
    const simPos = new Map(
      (await this.system.control<{ positions: SimPosition[] }>('/positions')).positions
        .filter((p) => p.position !== 0)
        .map((p) => [`${p.account}|${String(p.conId)}`, p.position]),
    );
    for (const key of new Set([...ledgerPos.keys(), ...simPos.keys()]))
      if (ledgerPos.get(key) !== simPos.get(key))
        note('positionDifferences', `${key}: ledger ${ledgerPos.get(key) ?? 0}, ib-sim ${simPos.get(key) ?? 0}`);

    for (const line of await this.historyDifferences(ledger, record.prefix)) note('historyDifferences', line);
    for (const line of record.untyped) note('untyped', line);
    for (const line of record.unanswered) note('unanswered', line);
    for (const c of this.system.crashes) note('crashes', `${c.name} exited ${c.code ?? c.signal}`);

    const states: Record<string, number> = {};
    for (const o of ledger.filter((x) => mine(x.client_order_id))) states[o.state] = (states[o.state] ?? 0) + 1;
    const accepted = [...record.submits.values()].filter((r) => r.ok).length;
    const n = (key: string) => details[key]?.length ?? 0;
    return {
      counts: {
        orders: record.submits.size,
        accepted,
        refused: record.submits.size - accepted,
        lost: n('lost'),
        duplicated: n('duplicated'),
        misdirected: n('misdirected'),
        stateDifferences: n('stateDifferences'),
        notFinal: n('notFinal'),
        positionDifferences: n('positionDifferences'),
        historyDifferences: n('historyDifferences'),
        untyped: n('untyped'),
        unanswered: n('unanswered'),
        crashes: n('crashes'),
      },
      details: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, v.slice(0, 10)])),
      codes: record.codes,
      states,
    };
  }
}
