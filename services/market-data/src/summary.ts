/**
 * The periodic log summary (every `summaryEveryMs`): lines, leases, lines per feed state, and per line its state,
 * the age of its last tick and its tick rate since the previous summary (the first 100 lines, to bound the entry).
 */
import type { Logger } from '@trading-system/runtime';
import type { Line } from './line.js';

export class Summary {
  private atMs: number;
  private readonly ticksAt = new Map<string, number>();

  constructor(
    private readonly everyMs: number,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.atMs = now();
  }

  /** Logs the summary when it is due. */
  maybeLog(lines: ReadonlyMap<string, Line>, leases: number): void {
    const t = this.now();
    if (t - this.atMs < this.everyMs) return;
    const elapsedS = (t - this.atMs) / 1000;
    this.atMs = t;
    const states: Record<string, number> = {};
    const feeds: Array<{ line: string; state: string; ageMs: number | undefined; ticksPerSec: number }> = [];
    for (const l of lines.values()) {
      states[l.state] = (states[l.state] ?? 0) + 1;
      const before = this.ticksAt.get(l.key) ?? 0;
      this.ticksAt.set(l.key, l.ticks);
      if (feeds.length < 100)
        feeds.push({
          line: l.key,
          state: l.state,
          ageMs: l.ageMs(),
          ticksPerSec: Math.round((l.ticks - before) / elapsedS),
        });
    }
    for (const k of this.ticksAt.keys()) if (!lines.has(k)) this.ticksAt.delete(k);
    this.log.info({ lines: lines.size, leases, states, feeds }, 'market-data summary');
  }
}
