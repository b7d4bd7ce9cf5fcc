/**
 * Market-data lines in use per broker, counted from the feed health messages (`md.health.<broker>.<instrumentId>`):
 * market-data (their only producer) publishes one per open line every MD_HEALTH_EVERY_MS (10 s by default) and on
 * every state change. No message says a line was released, so a line counts while its latest message
 * is younger than `forgetAfterMs` and says it is held (a lease on it, state not `down`). Pure: time comes in.
 */
import type { FeedHealth } from '@trading-system/contracts';

export class LineTally {
  private readonly lines = new Map<string, Map<string, { readonly held: boolean; readonly atMs: number }>>();

  constructor(private readonly forgetAfterMs = 35_000) {}

  add(h: Pick<FeedHealth, 'broker' | 'instrumentId' | 'state' | 'leases'>, nowMs: number): void {
    let byInstrumentId = this.lines.get(h.broker);
    if (byInstrumentId === undefined) {
      byInstrumentId = new Map();
      this.lines.set(h.broker, byInstrumentId);
    }
    byInstrumentId.set(h.instrumentId, { held: h.leases > 0 && h.state !== 'down', atMs: nowMs });
  }

  /** Lines held on `broker` now; undefined while no health message of it has been seen. */
  used(broker: string, nowMs: number): number | undefined {
    const byInstrumentId = this.lines.get(broker);
    if (byInstrumentId === undefined) return undefined;
    let n = 0;
    for (const [instrumentId, line] of byInstrumentId) {
      if (nowMs - line.atMs > this.forgetAfterMs) byInstrumentId.delete(instrumentId);
      else if (line.held) n++;
    }
    return n;
  }
}
