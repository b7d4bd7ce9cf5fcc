/**
 * Prices from a replay of history: the source broker's historical bars of each instrument, played back from
 * `fromMs` at `speed` × wall time. The replay's clock is the paper market's clock (orders, fills and DAY expiry
 * happen in replay time). Each bar is walked open → high → low → close (or open → low → high → close for a falling
 * bar) over its duration, and the quote is one tick wide at that price; the bars carry no sizes, so the touch is
 * taken as unlimited.
 */
import { randomUUID } from 'node:crypto';
import type { BarData, Tick } from '@trading-system/contracts';
import type { Clock } from '@trading-system/exchange';
import type { Shadow } from './shadow.js';

export interface ReplayOptions {
  /** Replay start, epoch ms (market time). */
  readonly fromMs: number;
  /** Market milliseconds per wall millisecond (60: an hour of history per wall minute). */
  readonly speed: number;
}

/** Bars fetched per request: 8 hours of 1-minute bars (IB serves up to a day of them per request). */
const CHUNK_MS = 8 * 3_600_000;
/** Wait after a failed history request before the next (the source may be reconnecting). */
const RETRY_MS = 1_000;
const TICK_EVERY_MS = 100;

/** Market time = fromMs + (wall − start) × speed. `resumeAtMs` continues a replay a restart interrupted. */
export function replayClock(options: ReplayOptions, resumeAtMs?: number): Clock {
  const startMarket = Math.max(options.fromMs, resumeAtMs ?? options.fromMs);
  const startWall = Date.now();
  return { nowMs: () => startMarket + (Date.now() - startWall) * options.speed };
}

/** The price a bar's walk reaches at `t` (linear between its open, extremes and close). */
export function priceInBar(b: BarData, t: number): number {
  const [o, h, l, c] = [b.open, b.high, b.low, b.close].map(Number) as [number, number, number, number];
  const path = c >= o ? [o, l, h, c] : [o, h, l, c];
  const f = Math.min(1, Math.max(0, (t - b.tsStartMs) / (b.tsEndMs - b.tsStartMs))) * 3;
  const i = Math.min(2, Math.floor(f));
  const a = path[i] as number;
  const z = path[i + 1] as number;
  return a + (z - a) * (f - i);
}

interface Line {
  readonly instrumentId: string;
  readonly minTick: number;
  bars: BarData[];
  /** End of the fetched range, epoch ms. */
  loadedUntil: number;
  loading: Promise<void> | undefined;
  /** Chunks in a row without a bar: weekends and holidays give a few, the end of the history gives them forever. */
  emptyChunks: number;
  failedAtMs: number;
}

/** A long weekend is 8 empty chunks; more than 12 in a row is the end of the history. */
const EMPTY_CHUNKS_AT_THE_END = 12;

export class ReplayFeed {
  private readonly lines = new Map<string, Line>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly shadow: Shadow,
    readonly clock: Clock,
    private readonly broker: string,
    private readonly onTick: (t: Tick) => void,
    private readonly onError: (err: unknown, what: string) => void,
  ) {
    this.timer = setInterval(() => this.emitAll(), TICK_EVERY_MS);
  }

  watching(instrumentId: string): boolean {
    return this.lines.has(instrumentId);
  }

  /** Starts replaying an instrument; resolves once its first quote is out (or no history exists at this time). */
  async watch(instrumentId: string, minTick: number): Promise<void> {
    if (this.lines.has(instrumentId)) return;
    const line: Line = {
      instrumentId,
      minTick,
      bars: [],
      loadedUntil: this.clock.nowMs() - 1,
      loading: undefined,
      emptyChunks: 0,
      failedAtMs: 0,
    };
    this.lines.set(instrumentId, line);
    await this.load(line);
    this.emit(line);
  }

  private load(line: Line): Promise<void> {
    line.loading ??= (async () => {
      const endMs = line.loadedUntil + CHUNK_MS;
      const r = await this.shadow.command(
        'fetchHistory',
        {
          v: 1,
          requestId: randomUUID(),
          instrument: { id: line.instrumentId },
          startMs: endMs - CHUNK_MS,
          endMs,
          timeframe: '1m',
          whatToShow: 'TRADES',
          useRth: false,
        },
        65_000,
      );
      const fresh = r.bars.filter((b) => b.tsEndMs > line.loadedUntil);
      line.bars = [...line.bars.filter((b) => b.tsEndMs > this.clock.nowMs()), ...fresh];
      line.loadedUntil = endMs;
      line.emptyChunks = fresh.length === 0 ? line.emptyChunks + 1 : 0;
    })()
      .catch((err: unknown) => {
        line.failedAtMs = Date.now();
        this.onError(err, `history of ${line.instrumentId} for the replay`);
      })
      .finally(() => {
        line.loading = undefined;
      });
    return line.loading;
  }

  private emitAll(): void {
    for (const line of this.lines.values()) this.emit(line);
  }

  private emit(line: Line): void {
    const now = this.clock.nowMs();
    while (line.bars.length > 0 && (line.bars[0] as BarData).tsEndMs <= now) line.bars.shift();
    // Keep an hour of market time loaded ahead.
    const ended = line.emptyChunks >= EMPTY_CHUNKS_AT_THE_END;
    const due = line.loading === undefined && Date.now() - line.failedAtMs >= RETRY_MS;
    if (!ended && due && line.loadedUntil < now + 3_600_000) void this.load(line);
    const bar = line.bars[0];
    if (bar === undefined || bar.tsStartMs > now) return; // between sessions: no quote, nothing matches
    const price = priceInBar(bar, now);
    const tick = line.minTick;
    const bid = Math.floor(price / tick + 1e-9) * tick;
    const digits = Math.max(0, Math.ceil(-Math.log10(tick)));
    this.onTick({
      v: 1,
      broker: this.broker,
      instrumentId: line.instrumentId,
      bid: bid.toFixed(digits),
      ask: (bid + tick).toFixed(digits),
      last: price.toFixed(digits),
      tsEventMs: Math.floor(now),
      tsInitMs: Date.now(),
      delayed: false,
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.lines.clear();
  }
}
