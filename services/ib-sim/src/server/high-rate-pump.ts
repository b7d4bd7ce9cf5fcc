/**
 * High-rate mode's emitter for one session: every streaming line of the session ticks from ONE 1 ms timer, and
 * each pass leaves in one corked writev. A timer per line made 795 lines (the whole catalog) cost 795 timer
 * callbacks per millisecond and a writev per trade: the sim's CPU went to timers and writes, and the client read
 * thousands of tiny chunks a second instead of one per millisecond.
 */
import type { TickStream } from '../market/tick-stream.js';
import type { Session } from './session.js';
import type { SimContext } from './sim-context.js';

/** Most trades one line may catch up in one pass (a sim that was descheduled does not flood the socket). */
const MAX_BATCH = 5_000;

interface PumpLine {
  readonly stream: TickStream;
  readonly startedMs: number;
  emitted: number;
  /** Wall ms at which its next trade is due: a pass skips the line until then with one comparison. */
  nextDueMs: number;
}

class HighRatePump {
  private readonly lines = new Set<PumpLine>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: Session,
    private readonly sim: SimContext,
    private readonly perSecond: number,
  ) {}

  add(stream: TickStream): () => void {
    const startedMs = Date.now();
    const line: PumpLine = { stream, startedMs, emitted: 0, nextDueMs: startedMs + 1_000 / this.perSecond };
    this.lines.add(line);
    this.timer ??= setInterval(() => this.pass(), 1);
    return () => {
      this.lines.delete(line);
      if (this.lines.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private pass(): void {
    if (this.session.congested) return;
    const wallMs = Date.now();
    const now = this.sim.clock.now();
    const { session, perSecond } = this;
    let corked = false;
    try {
      for (const line of this.lines) {
        if (wallMs < line.nextDueMs) continue;
        if (!corked) {
          // One writev for the pass (a write per frame cost the sim half its CPU at 120k trades/s).
          session.socket.cork();
          corked = true;
        }
        const due = Math.floor(((wallMs - line.startedMs) * perSecond) / 1000);
        const batch = Math.min(due - line.emitted, MAX_BATCH);
        for (let i = 0; i < batch; i++) for (const m of line.stream.highRateTick(now, wallMs)) session.send(m);
        line.emitted = batch === due - line.emitted ? due : line.emitted + batch;
        line.nextDueMs = line.startedMs + ((line.emitted + 1) * 1000) / perSecond;
      }
    } finally {
      if (corked) session.socket.uncork();
    }
  }
}

const pumps = new WeakMap<Session, HighRatePump>();

/** Starts `stream` at the sim's high rate on `session`'s pump; returns its stop. */
export function pumpHighRate(session: Session, sim: SimContext, stream: TickStream): () => void {
  let pump = pumps.get(session);
  if (pump === undefined) {
    pump = new HighRatePump(session, sim, sim.settings.highRateTicksPerSec);
    pumps.set(session, pump);
  }
  return pump.add(stream);
}
