/**
 * Grants, renews and ends leases (`lease-table.ts` holds them, pure) and applies what each change means for the line:
 * streams opened or closed at the gateway (`gateway-lines.ts`), timeframes aggregated or dropped. Every operation
 * runs in the line's queue.
 */
import { ContractError, type Instrument } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { GatewayLines } from './gateway-lines.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { LeaseSpec, LeaseTable, LineChange, StreamKind } from './lease-table.js';
import { type Line, lineKey } from './line.js';

export interface LeaseRequest {
  readonly leaseId: string;
  readonly broker: string;
  readonly instrument: Instrument;
  readonly streams: readonly StreamKind[];
  /** Canonical timeframe tokens. */
  readonly timeframes: readonly string[];
  readonly ttlMs: number;
}

export class Leases {
  constructor(
    readonly table: LeaseTable,
    private readonly lines: GatewayLines,
    private readonly queue: KeyedQueue,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Grants or renews a lease; opens what the line lacks first, so a failure leaves no lease behind. */
  grant(req: LeaseRequest): Promise<{ line: Line; expiresAtMs: number }> {
    const { leaseId, broker, instrument, streams, timeframes, ttlMs } = req;
    const key = lineKey(broker, instrument.id);
    return this.queue.run(key, async () => {
      const table = this.table;
      const existing = table.get(leaseId);
      if (existing !== undefined && existing.key !== key)
        throw new ContractError('VALIDATION_FAILED', `lease ${leaseId} belongs to line ${existing.key}`);
      const spec: LeaseSpec = { key, streams, timeframes };
      const line = this.lines.get(key) ?? this.lines.open(broker, instrument);
      const preview = table.preview(spec);
      // aggregators exist before the first tick can arrive, so no trade of a new line escapes its bars
      const rtbars = streams.includes('rtbars') || table.streamsOf(key).includes('rtbars');
      for (const tf of preview.addedTimeframes) line.addTimeframe(tf, rtbars);
      try {
        await this.lines.openStreams(line, preview.addedStreams);
      } catch (err) {
        for (const tf of preview.addedTimeframes) line.dropTimeframe(tf);
        if (table.leasesOn(key) === 0) this.lines.drop(line);
        throw err;
      }
      const { lease, change, renewed } = table.upsert(leaseId, spec, ttlMs);
      await this.apply(line, change);
      const fields = { leaseId, key, renewed, expiresAtMs: lease.expiresAtMs };
      this.log.debug(fields, renewed ? 'lease renewed' : 'lease granted');
      return { line, expiresAtMs: lease.expiresAtMs };
    });
  }

  /** Ends a lease; resolves whether that released its line, or undefined when there was no such lease (any more). */
  release(leaseId: string, why: 'unsubscribed' | 'expired'): Promise<boolean | undefined> {
    const lease = this.table.get(leaseId);
    if (lease === undefined) return Promise.resolve(undefined);
    return this.queue.run(lease.key, async () => {
      const current = this.table.get(leaseId);
      // an expiry raced with a renewal: the renewal won
      if (current === undefined || (why === 'expired' && current.expiresAtMs > this.now())) return undefined;
      const change = this.table.remove(leaseId);
      const line = this.lines.get(current.key);
      if (change === undefined || line === undefined) return undefined;
      await this.apply(line, change);
      this.log.info({ leaseId, key: current.key, why, lineReleased: change.lineReleased }, 'lease ended');
      return change.lineReleased;
    });
  }

  /** Ends every lease past its expiry (the sweep timer). */
  expireDue(): void {
    for (const lease of this.table.due()) {
      this.release(lease.leaseId, 'expired').catch((err: unknown) =>
        this.log.error({ err, leaseId: lease.leaseId }, 'expiring a lease failed'),
      );
    }
  }

  /** Applies what a lease change means for the line (inside the line's queue). */
  private async apply(line: Line, change: LineChange): Promise<void> {
    for (const tf of change.droppedTimeframes) line.dropTimeframe(tf);
    await this.lines.closeStreams(line, change.droppedStreams);
    for (const tf of change.addedTimeframes) line.addTimeframe(tf, line.gatewayStreams.has('rtbars'));
    line.leases = this.table.leasesOn(line.key);
    if (change.lineReleased) this.lines.drop(line);
  }
}
