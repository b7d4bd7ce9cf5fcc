/**
 * The lines market-data holds at the gateways: one `Line` per broker + instrument, the bus subscriptions that feed it
 * (quote state and exact trades for `ticks`, 5-s bars for `rtbars`) and the gateway streams behind them. Every method
 * that talks to a gateway runs inside the line's queue (the caller's, or its own for `requestAgain`), so a grant, a
 * release and a re-request of one line never interleave.
 */
import { type Bus, RequestTimeoutError, type Subscription } from '@trading-system/bus';
import { type Bar, type Instrument, Subjects, type Tick, type Trade } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { MarketDataConfig } from './config.js';
import type { GatewayClient } from './gateway-client.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { StreamKind } from './lease-table.js';
import { Line, type LineEvents } from './line.js';

/** A gateway subscribe that timed out: the gateway may still open the line, so the reference is given back later. */
interface Unresolved {
  done: boolean;
  readonly dueAtMs: number;
  readonly run: () => Promise<void>;
}

export class GatewayLines {
  readonly lines = new Map<string, Line>();
  private readonly subs = new Map<string, Map<StreamKind, Subscription>>();
  private readonly unresolved = new Map<string, Unresolved[]>();

  constructor(
    private readonly bus: Bus,
    private readonly gateway: GatewayClient,
    private readonly queue: KeyedQueue,
    private readonly cfg: MarketDataConfig,
    private readonly log: Logger,
    private readonly now: () => number,
    /** Where a line's bars and health go (app.ts publishes them). */
    private readonly events: (broker: string) => LineEvents,
  ) {}

  get(key: string): Line | undefined {
    return this.lines.get(key);
  }

  open(broker: string, instrument: Instrument): Line {
    const line = new Line(broker, instrument, this.cfg, this.events(broker), this.now);
    this.lines.set(line.key, line);
    this.subs.set(line.key, new Map());
    return line;
  }

  /**
   * Opens gateway streams; the bus subscription comes first so no early tick is missed. The line budget is the
   * gateway's (it sees every consumer of the broker's lines): a line beyond it comes back LINE_BUDGET_EXHAUSTED.
   */
  async openStreams(line: Line, streams: readonly StreamKind[]): Promise<void> {
    if (streams.length === 0) return;
    const byStream = this.subs.get(line.key);
    for (const s of streams) {
      if (byStream?.has(s)) continue;
      const inst = { broker: line.broker, instrument: line.instrumentId };
      const sub =
        s === 'ticks'
          ? this.quoteAndTradeSubs(line)
          : this.bus.subscribe<Bar>(Subjects.mdRtBar.build(inst), (m) => line.onRtBar(m.data));
      byStream?.set(s, sub);
    }
    try {
      await this.settleUnresolved(line.key, false);
      const r = await this.gateway.subscribe(line.broker, line.instrument, streams);
      if (streams.includes('ticks') && r.subjects.includes(tradeSubjectOf(line))) line.exactTrades = true;
      for (const s of streams) {
        line.gatewayStreams.add(s);
        if (r.instanceId !== undefined) line.streamInstance.set(s, r.instanceId);
      }
      if (r.delayed) line.delayed = true;
      this.log.info({ broker: line.broker, instrumentId: line.instrumentId, streams }, 'gateway line opened');
    } catch (err) {
      for (const s of streams) if (!line.gatewayStreams.has(s)) this.closeSub(line, s);
      if (err instanceof RequestTimeoutError) this.giveBackLater(line, streams);
      throw err;
    }
  }

  async closeStreams(line: Line, streams: readonly StreamKind[]): Promise<void> {
    const open = streams.filter((s) => line.gatewayStreams.has(s));
    for (const s of streams) {
      this.closeSub(line, s);
      line.gatewayStreams.delete(s);
      line.streamInstance.delete(s);
    }
    if (streams.includes('rtbars')) line.rtbarsClosed();
    if (open.length === 0) return;
    const where = { broker: line.broker, instrumentId: line.instrumentId, streams: open };
    try {
      await this.gateway.unsubscribe(line.broker, line.instrumentId, open);
      this.log.info(where, 'gateway line released');
    } catch (err) {
      // The gateway is unreachable or refused: its line is gone with its session, or it will be refused again.
      this.log.warn({ err, ...where }, 'gateway release failed');
    }
  }

  /** Forgets a line and its bus subscriptions (its gateway streams are closed already). */
  drop(line: Line): void {
    for (const s of [...(this.subs.get(line.key)?.keys() ?? [])]) this.closeSub(line, s);
    this.subs.delete(line.key);
    this.lines.delete(line.key);
  }

  /** A line's gateway streams held by another gateway instance than `instanceId` (the one now serving). */
  heldElsewhere(line: Line, instanceId: string): StreamKind[] {
    return [...line.gatewayStreams].filter((s) => {
      const held = line.streamInstance.get(s);
      return held !== undefined && held !== instanceId;
    });
  }

  /**
   * The broker's gateway instance changed (the broker removed and added again under the same name, or gateway-ib
   * restarted): the new instance holds none of our subscriptions, so nothing would feed the line. Ask it again,
   * in the line's queue so a concurrent grant or release sees the result. A failure is retried at the broker's next
   * status (every few seconds); a timeout is given back like any unresolved subscribe first. (A reconnect of the
   * same instance needs nothing: gateway-ib re-requests its own lines then.)
   */
  requestAgain(line: Line, instanceId: string): Promise<void> {
    return this.queue.run(line.key, async () => {
      if (this.lines.get(line.key) !== line) return;
      const streams = this.heldElsewhere(line, instanceId);
      if (streams.length === 0) return;
      await this.settleUnresolved(line.key, false);
      const where = { broker: line.broker, instrumentId: line.instrumentId, streams };
      try {
        const r = await this.gateway.subscribe(line.broker, line.instrument, streams);
        // the new instance may be another version: its reply says again whether it publishes exact trades
        if (streams.includes('ticks')) line.exactTrades = r.subjects.includes(tradeSubjectOf(line));
        for (const s of streams) if (r.instanceId !== undefined) line.streamInstance.set(s, r.instanceId);
        if (r.delayed) line.delayed = true;
        line.requested();
        this.log.info({ ...where, instanceId }, 'gateway line asked for again');
      } catch (err) {
        if (err instanceof RequestTimeoutError) this.giveBackLater(line, streams);
        this.log.warn({ err, ...where }, 'asking a new gateway instance failed');
      }
    });
  }

  /** stop(): every pending give-back now, then every line's gateway streams back; its IB lines must not outlive us. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.unresolved.keys()].map((key) => this.settleUnresolved(key, true)));
    await Promise.all(
      [...this.lines.values()].map(async (line) => {
        await this.closeStreams(line, [...line.gatewayStreams]);
        this.drop(line);
      }),
    );
  }

  /** A ticks stream is the quote state and, from gateways that publish them, the exact trades bars are built from. */
  private quoteAndTradeSubs(line: Line): Subscription {
    const inst = { broker: line.broker, instrument: line.instrumentId };
    const quotes = this.bus.subscribe<Tick>(Subjects.mdTick.build(inst), (m) => line.onTick(m.data));
    const trades = this.bus.subscribe<Trade>(tradeSubjectOf(line), (m) => line.onTrade(m.data));
    return {
      unsubscribe() {
        quotes.unsubscribe();
        trades.unsubscribe();
      },
    };
  }

  private closeSub(line: Line, s: StreamKind): void {
    const byStream = this.subs.get(line.key);
    byStream?.get(s)?.unsubscribe();
    byStream?.delete(s);
  }

  /**
   * A subscribe that timed out is unresolved: the gateway may still open the line. One timeout later (when the
   * late subscribe has landed, if it ever does) the reference is given back; the gateway ignores a release of a
   * line it does not hold. A new open of the same line waits for that give-back first (in the line's queue), so
   * our release neither overtakes the late subscribe nor closes the new line. closeAll() gives back at once.
   */
  private giveBackLater(line: Line, streams: readonly StreamKind[]): void {
    const key = line.key;
    const u: Unresolved = {
      done: false,
      dueAtMs: Date.now() + this.cfg.gatewayTimeoutMs,
      run: async () => {
        if (u.done) return;
        u.done = true;
        clearTimeout(timer);
        const rest = (this.unresolved.get(key) ?? []).filter((x) => x !== u);
        if (rest.length === 0) this.unresolved.delete(key);
        else this.unresolved.set(key, rest);
        try {
          await this.gateway.unsubscribe(line.broker, line.instrumentId, streams);
          this.log.info({ key, streams }, 'unresolved gateway subscribe given back');
        } catch (err) {
          this.log.warn({ err, key, streams }, 'giving back an unresolved gateway subscribe failed');
        }
      },
    };
    const timer = setTimeout(() => {
      this.queue.run(key, u.run).catch((err: unknown) => this.log.error({ err, key }, 'give-back failed'));
    }, this.cfg.gatewayTimeoutMs);
    this.unresolved.set(key, [...(this.unresolved.get(key) ?? []), u]);
  }

  /** Gives back a line's unresolved subscribes, at their due time unless `immediately` (caller is in the queue). */
  private async settleUnresolved(key: string, immediately: boolean): Promise<void> {
    for (const u of this.unresolved.get(key) ?? []) {
      const wait = u.dueAtMs - Date.now();
      if (!immediately && wait > 0) await new Promise((r) => setTimeout(r, wait));
      await u.run();
    }
  }
}

function tradeSubjectOf(line: Line): string {
  return Subjects.mdTrade.build({ broker: line.broker, instrument: line.instrumentId });
}
