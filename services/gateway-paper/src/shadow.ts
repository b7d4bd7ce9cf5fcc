/**
 * The broker the paper broker shadows (its quote source): instruments are qualified by it (its instrument ids, passed
 * through), quotes are its `md.tick.<source>.<instrumentId>` ticks, history and option chains are its answers. Only the bus contract is used,
 * so any gateway type can be shadowed. Lines are opened with the source's `mdSubscribe` and reopened when its
 * gateway instance changes (a restarted gateway has forgotten them).
 */
import type { Bus, Subscription } from '@trading-system/bus';
import { requestBroker } from '@trading-system/clients';
import {
  type BrokerCommandBody,
  type BrokerCommandOk,
  type BrokerCommandVerb,
  type BrokerStatus,
  type ErrorReply,
  Subjects,
  type Tick,
  type Trade,
} from '@trading-system/contracts';
import { Refusal } from './errors.js';

export interface ShadowListener {
  tick(t: Tick): void;
  /** An exact trade of the source (`md.trade.<source>.*`), for sources that announce them. */
  trade(t: Trade): void;
  status(s: BrokerStatus): void;
}

export class Shadow {
  private readonly lines = new Map<string, Subscription>();
  /** Instruments whose source line announced exact trades (its mdSubscribe reply listed `md.trade.*`). */
  private readonly tradeLines = new Set<string>();
  private statusSub: Subscription | undefined;
  private instanceId: string | undefined;
  last: BrokerStatus | undefined;

  constructor(
    private readonly bus: Bus,
    readonly name: string,
    private readonly timeoutMs: number,
    private readonly listener: ShadowListener,
    private readonly onError: (err: unknown, what: string) => void,
  ) {}

  /** Follows the source's status; its first answer may be absent (the source starts later): the stream tells. */
  async start(): Promise<void> {
    this.statusSub = this.bus.subscribe<BrokerStatus>(Subjects.brokerStatus.build({ broker: this.name }), (m) =>
      this.onStatus(m.data),
    );
    try {
      const r = await this.command('status', { v: 1 });
      this.onStatus(r.status);
    } catch (err) {
      this.onError(err, 'status of the quote source');
    }
  }

  private onStatus(s: BrokerStatus): void {
    const restarted = this.instanceId !== undefined && s.instanceId !== undefined && s.instanceId !== this.instanceId;
    if (s.instanceId !== undefined) this.instanceId = s.instanceId;
    this.last = s;
    this.listener.status(s);
    if (restarted) for (const instrumentId of this.lines.keys()) this.reopen(instrumentId);
  }

  private reopen(instrumentId: string): void {
    this.command('mdSubscribe', { v: 1, instrument: { id: instrumentId }, streams: ['ticks'] }).catch((err: unknown) =>
      this.onError(err, `reopening the quote line of ${instrumentId}`),
    );
  }

  /** Opens the source's tick line for an instrument (once; later calls are free). */
  async watch(instrumentId: string): Promise<void> {
    if (this.lines.has(instrumentId)) return;
    const inst = { broker: this.name, instrument: instrumentId };
    const ticks = this.bus.subscribe<Tick>(Subjects.mdTick.build(inst), (m) => this.listener.tick(m.data));
    const trades = this.bus.subscribe<Trade>(Subjects.mdTrade.build(inst), (m) => this.listener.trade(m.data));
    const sub: Subscription = {
      unsubscribe() {
        ticks.unsubscribe();
        trades.unsubscribe();
      },
    };
    this.lines.set(instrumentId, sub);
    try {
      const r = await this.command('mdSubscribe', { v: 1, instrument: { id: instrumentId }, streams: ['ticks'] });
      if (r.subjects.includes(Subjects.mdTrade.build(inst))) this.tradeLines.add(instrumentId);
    } catch (err) {
      sub.unsubscribe();
      this.lines.delete(instrumentId);
      throw err;
    }
  }

  /** True when the source publishes exact trades for the instrument's line. */
  tradesOf(instrumentId: string): boolean {
    return this.tradeLines.has(instrumentId);
  }

  watching(instrumentId: string): boolean {
    return this.lines.has(instrumentId);
  }

  /** Sends a command to the source; an error reply becomes a Refusal with the source's code. */
  async command<V extends BrokerCommandVerb>(
    verb: V,
    body: BrokerCommandBody<V>,
    timeoutMs = this.timeoutMs,
  ): Promise<BrokerCommandOk<V>> {
    let reply: BrokerCommandOk<V> | ErrorReply;
    try {
      reply = await requestBroker(this.bus, this.name, verb, body, { timeoutMs });
    } catch (err) {
      throw new Refusal('SERVICE_UNAVAILABLE', `quote source ${this.name} did not answer ${verb}`, undefined, {
        cause: err,
      });
    }
    if (reply.ok) return reply as BrokerCommandOk<V>;
    const e = reply as ErrorReply;
    throw new Refusal(e.code, `${this.name}: ${e.message}`, e.details);
  }

  async stop(): Promise<void> {
    this.statusSub?.unsubscribe();
    const instrumentIds = [...this.lines.keys()];
    for (const s of this.lines.values()) s.unsubscribe();
    this.lines.clear();
    // Our lines at the source are closed politely; a source already gone is no error of ours.
    await Promise.allSettled(
      instrumentIds.map((instrumentId) =>
        this.command('mdUnsubscribe', { v: 1, instrument: { id: instrumentId }, streams: ['ticks'] }, 2_000),
      ),
    );
  }
}
