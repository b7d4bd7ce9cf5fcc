/**
 * Market-data lines in use per broker, counted from the feed health messages (`md.health.<broker>.<conId>`):
 * market-data publishes one per open line every MD_HEALTH_EVERY_MS (10 s by default) and on every state change,
 * the gateway on its own changes. No message says a line was released, so a line counts while its latest message
 * is younger than `forgetAfterMs` and says it is held (a lease on it, state not `down`). Pure: time comes in.
 */
import type { FeedHealth } from '@trading-system/contracts';

export class LineTally {
  private readonly lines = new Map<string, Map<number, { readonly held: boolean; readonly atMs: number }>>();

  constructor(private readonly forgetAfterMs = 35_000) {}

  add(h: Pick<FeedHealth, 'broker' | 'conId' | 'state' | 'leases'>, nowMs: number): void {
    let byConId = this.lines.get(h.broker);
    if (byConId === undefined) {
      byConId = new Map();
      this.lines.set(h.broker, byConId);
    }
    byConId.set(h.conId, { held: h.leases > 0 && h.state !== 'down', atMs: nowMs });
  }

  /** Lines held on `broker` now; undefined while no health message of it has been seen. */
  used(broker: string, nowMs: number): number | undefined {
    const byConId = this.lines.get(broker);
    if (byConId === undefined) return undefined;
    let n = 0;
    for (const [conId, line] of byConId) {
      if (nowMs - line.atMs > this.forgetAfterMs) byConId.delete(conId);
      else if (line.held) n++;
    }
    return n;
  }
}
