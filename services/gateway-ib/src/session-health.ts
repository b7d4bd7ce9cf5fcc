/**
 * A broker connection's health as data, the parts of its `BrokerStatus` that IB's codes and messages drive: IB's
 * data farms as the status's feeds (market, hmds → history, secdef → reference), the latest notice, whether IB's
 * own link to its servers is lost (1100 until 1101/1102), and when IB last said anything. Pure bookkeeping: the
 * connection publishes the status (`changed` asks it to).
 */
import type { BrokerNotice, BrokerStatus, FeedStatus, IbConnectionConfig, NoticeKind } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { FarmKind, IbCodeInfo } from './ib-error-classes.js';

/** IB's farm kinds as the neutral feed kinds of the status. */
const FEED_KIND: Readonly<Record<FarmKind, FeedStatus['kind']>> = {
  market: 'market',
  hmds: 'history',
  secdef: 'reference',
};

export class SessionHealth {
  private readonly farms = new Map<string, FeedStatus>();
  notice: BrokerNotice | undefined;
  /** IB lost its link to its servers (1100) and has not said it is back (1101/1102). */
  ibLinkLost = false;
  /** When IB last sent anything, epoch ms. */
  lastMessageMs: number | undefined;

  constructor(
    private readonly config: IbConnectionConfig,
    private readonly log: Logger,
    /** The status changed: publish it soon. */
    private readonly changed: () => void,
  ) {}

  seen(): void {
    this.lastMessageMs = Date.now();
  }

  feeds(): FeedStatus[] {
    return [...this.farms.values()];
  }

  /** The session's state as the status says it; `ready`: the IB session is usable. */
  state(ready: boolean): BrokerStatus['state'] {
    if (!ready) return 'disconnected';
    if (this.ibLinkLost) return 'degraded';
    for (const f of this.farms.values()) if (f.state === 'broken') return 'degraded';
    return 'connected';
  }

  /**
   * A farm code (2103-2108, 2157/2158). Returns the farm's name when a market farm came back after broken (live
   * data on it is gone and must be re-requested), else undefined.
   */
  onFarm(code: number, message: string, info: IbCodeInfo): string | undefined {
    const kind = info.farm ?? 'market';
    const name = /:\s*([A-Za-z0-9._-]+)\s*$/.exec(message)?.[1] ?? kind;
    const state: FeedStatus['state'] = info.cls === 'farm-broken' ? 'broken' : info.inactive ? 'inactive' : 'ok';
    const prev = this.farms.get(name);
    if (prev?.state === state) return undefined;
    this.farms.set(name, { name, kind: FEED_KIND[kind], state, sinceMs: Date.now() });
    this.changed();
    this.log.info({ farm: name, kind, state, code }, 'farm state');
    return state === 'ok' && prev?.state === 'broken' && kind === 'market' ? name : undefined;
  }

  noteCode(code: number, message: string, kind: NoticeKind): void {
    this.notice = {
      kind,
      code: String(code),
      message,
      atMs: Date.now(),
      ...(kind === 'unreachable' ? { hint: this.unreachableHint() } : {}),
    };
    this.changed();
  }

  private unreachableHint(): string {
    const at = `${this.config.host}:${this.config.port}`;
    return `start TWS or IB Gateway at ${at} with the API enabled and clientId ${this.config.clientId} free, or ib-sim there (npm run sim)`;
  }
}
