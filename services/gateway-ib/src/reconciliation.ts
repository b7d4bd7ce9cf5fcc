/**
 * Reconciliation on every connect and reconnect (and on `broker.<name>.cmd.reconcile`): the broker's full view
 * — open orders of every client (ours and external), orders completed today, executions since the last one we
 * saw (or since the requested time), positions — published as `broker.<name>.evt.reconciliationSnapshot`
 * parts (each well below the payload limit) so the OMS can settle anything it missed. The per-fact events
 * (openOrder, execution, commissionReport) that IB re-sends while answering flow through orders.ts as usual
 * and are deduplicated by their event ids. One run at a time per connection (IB's end markers carry no reqId).
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '@trading-system/bus';
import {
  type BrokerExecutionData,
  type BrokerOrder,
  ContractError,
  chunkBySize,
  type Position,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { Accounts } from './accounts.js';
import type { BrokerConnection } from './connection.js';
import type { OpenOrderRounds } from './open-orders.js';
import { brokerMsgId, type Orders } from './orders.js';
import { orderKey, toExecution } from './parsing/orders.js';
import { toIbUtcTime } from './parsing/time.js';

export interface ReconcileOptions {
  /** Upper bound for one run, ms. */
  readonly timeoutMs?: number;
}

type Item =
  | { t: 'open'; v: BrokerOrder }
  | { t: 'completed'; v: BrokerOrder }
  | { t: 'exec'; v: BrokerExecutionData }
  | { t: 'pos'; v: Position };

export class Reconciliation {
  private running: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;
  runs = 0;

  constructor(
    private readonly conn: BrokerConnection,
    private readonly orders: Orders,
    private readonly openOrders: OpenOrderRounds,
    private readonly accounts: Accounts,
    private readonly bus: Bus,
    private readonly log: Logger,
    options: ReconcileOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 20_000;
    conn.on({
      ready: (kind) => {
        this.reconcile(`auto-${randomUUID()}`, this.orders.lastExecTimeMs).then(
          (r) => this.log.info({ kind, ...r }, 'reconciled after connect'),
          (err: unknown) =>
            // The session went away during the run (a drop, or a stop right after start): the next connect
            // reconciles again, so this is not an operator's problem.
            this.conn.isReady
              ? this.log.error({ err, kind }, 'reconciliation after connect failed')
              : this.log.warn({ err, kind }, 'reconciliation interrupted by the session ending; runs again on connect'),
        );
      },
    });
  }

  /** Runs one reconciliation (after any running one) and publishes its snapshot; resolves with the part count. */
  reconcile(
    reconId: string,
    executionsSinceMs?: number,
  ): Promise<{ reconId: string; parts: number; requestedAtMs: number }> {
    const run = this.running.then(
      () => this.run(reconId, executionsSinceMs),
      () => this.run(reconId, executionsSinceMs),
    );
    this.running = run.catch(() => undefined);
    return run;
  }

  private async run(
    reconId: string,
    sinceMs: number | undefined,
  ): Promise<{ reconId: string; parts: number; requestedAtMs: number }> {
    this.conn.requireReady();
    const conn = this.conn;
    const pending: Array<Promise<BrokerOrder | undefined>> = [];
    const completed: Array<Promise<BrokerOrder | undefined>> = [];
    const executions: BrokerExecutionData[] = [];
    const execReqId = conn.allocReqId();
    const safe = (p: Promise<BrokerOrder>): Promise<BrokerOrder | undefined> =>
      p.catch((err: unknown) => {
        this.log.warn({ err }, 'order left out of the reconciliation snapshot');
        return undefined;
      });
    let completedDone!: () => void;
    let execDone!: () => void;
    const completedEnd = new Promise<void>((r) => (completedDone = r));
    const execEnd = new Promise<void>((r) => (execDone = r));
    const off = conn.onStream({
      onCompletedOrder: (c, o, st) => {
        const p = safe(this.orders.brokerOrder(o.orderId ?? 0, c, o, st));
        completed.push(p);
        pending.push(p);
      },
      onCompletedOrdersEnd: () => completedDone(),
      onExecDetails: (reqId, c, e) => {
        if (reqId !== execReqId) return;
        try {
          executions.push(toExecution(c, e, 'US/Eastern'));
        } catch (err) {
          this.log.warn({ err, execId: e.execId }, 'execution left out of the reconciliation snapshot');
        }
      },
      onExecDetailsEnd: (reqId) => {
        if (reqId === execReqId) execDone();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ContractError('TIMEOUT', `reconciliation ${reconId} incomplete after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    let offDown = (): void => undefined;
    const down = new Promise<never>((_, reject) => {
      offDown = conn.on({
        down: () => reject(new ContractError('BROKER_DISCONNECTED', 'disconnected during reconciliation')),
      });
    });
    down.catch(() => undefined);
    timeout.catch(() => undefined);
    try {
      // Since a little before the last fill we saw: IB's filter has 1-s resolution and we must not miss one.
      const filter = sinceMs === undefined ? {} : { time: toIbUtcTime(Math.max(0, sinceMs - 1_000)) };
      // Every order message this instance wrote before now is in IB's answers (one socket, answered in order).
      const requestedAtMs = Date.now();
      const openEnd = this.openOrders.request(this.timeoutMs);
      openEnd.catch(() => undefined);
      conn.send('order', 'reqCompletedOrders', (p) => p.reqCompletedOrders(false));
      conn.send('order', 'reqExecutions', (p) => p.reqExecutions(execReqId, filter));
      const positions = this.accounts.currentPositions(undefined, this.timeoutMs);
      const all = Promise.all([openEnd, completedEnd, execEnd, positions]);
      const [reported, , , pos] = await Promise.race([all, timeout, down]);
      // Only the callbacks answering this run's own request (open-orders.ts), latest per order.
      const byKey = new Map(reported.map((r) => [orderKey(r.order.permId ?? 0, r.order.clientId ?? -1, r.orderId), r]));
      const open = [...byKey.values()].map((r) =>
        safe(this.orders.brokerOrder(r.orderId, r.contract, r.order, r.state)),
      );
      await Promise.race([Promise.all([...pending, ...open]), timeout, down]);
      const openOrders = (await Promise.all(open)).filter((o): o is BrokerOrder => o !== undefined);
      const completedOrders = (await Promise.all(completed)).filter((o): o is BrokerOrder => o !== undefined);
      await this.orders.flushed();
      const parts = await this.publish(reconId, sinceMs, requestedAtMs, openOrders, completedOrders, executions, pos);
      this.runs++;
      return { reconId, parts, requestedAtMs };
    } finally {
      clearTimeout(timer);
      off();
      offDown();
    }
  }

  private async publish(
    reconId: string,
    sinceMs: number | undefined,
    requestedAtMs: number,
    openOrders: BrokerOrder[],
    completedOrders: BrokerOrder[],
    executions: BrokerExecutionData[],
    positions: Position[],
  ): Promise<number> {
    const items: Item[] = [
      ...openOrders.map((v) => ({ t: 'open' as const, v })),
      ...completedOrders.map((v) => ({ t: 'completed' as const, v })),
      ...executions.map((v) => ({ t: 'exec' as const, v })),
      ...positions.map((v) => ({ t: 'pos' as const, v })),
    ];
    const chunks = items.length === 0 ? [[]] : chunkBySize(items, 256 * 1024, 2_048);
    const subject = Subjects.brokerEvent.build({ broker: this.conn.name, kind: 'reconciliationSnapshot' });
    const now = Date.now();
    for (const [i, chunk] of chunks.entries()) {
      const eventId = `recon-${reconId}-${i + 1}`.slice(0, 64);
      const msg = {
        v: 1,
        eventId,
        broker: this.conn.name,
        tsEventMs: now,
        tsInitMs: now,
        reconId,
        part: i + 1,
        parts: chunks.length,
        ...(sinceMs === undefined ? {} : { executionsSinceMs: sinceMs }),
        instanceId: this.conn.instanceId,
        session: this.conn.sessions,
        requestedAtMs,
        openOrders: chunk.flatMap((x) => (x.t === 'open' ? [x.v] : [])),
        completedOrders: chunk.flatMap((x) => (x.t === 'completed' ? [x.v] : [])),
        executions: chunk.flatMap((x) => (x.t === 'exec' ? [x.v] : [])),
        positions: chunk.flatMap((x) => (x.t === 'pos' ? [x.v] : [])),
      };
      await this.bus.jetstream.publish(subject, msg, { msgId: brokerMsgId(this.conn.name, eventId) });
    }
    return chunks.length;
  }
}
