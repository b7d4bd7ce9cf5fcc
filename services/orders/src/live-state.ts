/**
 * What the OMS learns from the bus at run time and keeps in memory: the latest quote per instrument (for price
 * collars), the latest status per broker (accounts, connection state) and a sliding one-second window of order
 * commands (rate limit). None of it is ledger state; all of it is rebuilt from the bus after a restart.
 */
import type { BrokerStatus, Tick } from '@trading-system/contracts';
import type { Quote } from './risk-checks.js';

export class LiveState {
  private readonly quotes = new Map<string, Quote>();
  private readonly statuses = new Map<string, BrokerStatus>();
  private readonly commands = new Map<string, number[]>();

  onTick(t: Tick): void {
    this.quotes.set(`${t.broker}:${t.instrumentId}`, { bid: t.bid, ask: t.ask, last: t.last });
  }

  quote(broker: string, instrumentId: string): Quote | undefined {
    return this.quotes.get(`${broker}:${instrumentId}`);
  }

  /**
   * Records a status; says when the broker just became connected (first sight or from another state) and when its
   * gateway instance changed (a restart: whatever the old instance held in memory is gone).
   */
  onStatus(s: BrokerStatus): { readonly connected: boolean; readonly restarted: boolean } {
    const prev = this.statuses.get(s.broker);
    this.statuses.set(s.broker, s);
    return {
      connected: s.state === 'connected' && prev?.state !== 'connected',
      restarted: prev?.instanceId !== undefined && s.instanceId !== undefined && prev.instanceId !== s.instanceId,
    };
  }

  status(broker: string): BrokerStatus | undefined {
    return this.statuses.get(broker);
  }

  /** Commands counted under `key` within the second before `nowMs`, then records this one. */
  countAndRecord(key: string, nowMs: number): number {
    const list = (this.commands.get(key) ?? []).filter((t) => t > nowMs - 1000);
    const count = list.length;
    list.push(nowMs);
    this.commands.set(key, list);
    return count;
  }
}
