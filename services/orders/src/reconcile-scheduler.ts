/**
 * When to reconcile a broker: at once on start, on (re)connect and when its gateway instance changes (a restarted
 * gateway lost whatever it held in memory), and every interval while an order of the broker awaits the broker
 * (AWAITING_BROKER states, or a remembered cancel) for longer than the grace: such an order's fate is known only
 * from a snapshot, so without one it could stay open for ever. One periodic request per broker in flight at a
 * time: the next waits until the previous snapshot was applied, or four intervals (at least 2 s) passed without it
 * (a snapshot lost with its gateway), so a slow apply never piles up snapshots.
 */
import type { OmsContext } from './context.js';
import { FINAL_STATES } from './ledger.js';
import { AWAITING_BROKER } from './order-state.js';
import { DEFAULT_RECONCILE_GRACE_MS, requestReconciliation } from './reconciliation.js';

/** Default period of the check, ms (ORDERS_RECONCILE_INTERVAL_MS). */
export const DEFAULT_RECONCILE_INTERVAL_MS = 5_000;

export class ReconcileScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly outstanding = new Map<string, number>();
  private ticking = false;
  private outstandingMs = 2_000;

  constructor(
    private readonly ctx: OmsContext,
    private readonly brokers: () => readonly string[],
  ) {}

  start(): void {
    const every = this.ctx.config.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    this.outstandingMs = Math.max(4 * every, 2_000);
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.tick()
        .catch((err: unknown) => this.ctx.logger.warn({ err }, 'periodic reconciliation check failed'))
        .finally(() => {
          this.ticking = false;
        });
    }, every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Requests a snapshot now (start, reconnect, gateway restart), whatever is outstanding. */
  now(broker: string, reason: string): void {
    this.ctx.logger.info({ broker, reason }, 'reconciliation requested');
    this.request(broker);
  }

  /** A snapshot of `broker` was applied: the next periodic request may go. */
  applied(broker: string): void {
    this.outstanding.delete(broker);
  }

  private request(broker: string): void {
    this.outstanding.set(broker, Date.now());
    requestReconciliation(this.ctx, broker).then(
      (sent) => {
        if (!sent) this.outstanding.delete(broker);
      },
      (err: unknown) => {
        this.outstanding.delete(broker);
        this.ctx.logger.error({ err, broker }, 'reconciliation request failed');
      },
    );
  }

  private async tick(): Promise<void> {
    for (const broker of this.brokers()) {
      const since = this.outstanding.get(broker);
      if (since !== undefined && Date.now() - since < this.outstandingMs) continue;
      if (await this.awaitsBroker(broker)) this.request(broker);
    }
  }

  /** True when an order of `broker` has waited on the broker for longer than the grace (and is not in flight here). */
  private async awaitsBroker(broker: string): Promise<boolean> {
    const grace = this.ctx.config.reconcileGraceMs ?? DEFAULT_RECONCILE_GRACE_MS;
    const rows = await this.ctx.db
      .selectFrom('orders')
      .select('client_order_id')
      .where('broker', '=', broker)
      .where('state', 'not in', [...FINAL_STATES])
      .where((eb) => eb.or([eb('state', 'in', [...AWAITING_BROKER]), eb('cancel_requested_at_ms', 'is not', null)]))
      .where('updated_at_ms', '<', String(this.ctx.clock() - grace))
      .limit(100)
      .execute();
    return rows.some((r) => !this.ctx.inFlight.has(r.client_order_id));
  }
}
