/**
 * Per-session account subscriptions of the exchange front. Each entry is also held on its session, so a
 * closing session drops its subscriptions with everything else it owns.
 */
import type { Session } from '../server/session.js';

export interface SummarySubscription {
  readonly reqId: number;
  /** Tags as requested (comma-separated list split and trimmed). */
  readonly tags: readonly string[];
}

export interface PnlSubscription {
  readonly reqId: number;
  readonly account: string;
  /** Set for reqPnLSingle. */
  readonly conId: number | undefined;
}

export class Subscriptions {
  readonly positions = new Set<Session>();
  /** reqAccountUpdates: one account per session. */
  readonly accountUpdates = new Map<Session, string>();
  readonly summaries = new Map<Session, Map<number, SummarySubscription>>();
  readonly pnl = new Map<Session, Map<number, PnlSubscription>>();
  /** clientId-0 sessions that called reqAutoOpenOrders(true). */
  readonly autoBind = new Set<Session>();

  subscribePositions(session: Session): void {
    this.positions.add(session);
    session.hold('positions', () => this.positions.delete(session));
  }

  subscribeAccount(session: Session, account: string): void {
    this.accountUpdates.set(session, account);
    session.hold('account-updates', () => this.accountUpdates.delete(session));
  }

  summaryCount(session: Session): number {
    return this.summaries.get(session)?.size ?? 0;
  }

  addSummary(session: Session, sub: SummarySubscription): void {
    let subs = this.summaries.get(session);
    if (!subs) {
      subs = new Map();
      this.summaries.set(session, subs);
    }
    subs.set(sub.reqId, sub);
    session.hold(`summary:${sub.reqId}`, () => {
      subs.delete(sub.reqId);
      if (subs.size === 0) this.summaries.delete(session);
    });
  }

  addPnl(session: Session, sub: PnlSubscription): void {
    let subs = this.pnl.get(session);
    if (!subs) {
      subs = new Map();
      this.pnl.set(session, subs);
    }
    subs.set(sub.reqId, sub);
    session.hold(`pnl:${sub.reqId}`, () => {
      subs.delete(sub.reqId);
      if (subs.size === 0) this.pnl.delete(session);
    });
  }

  bind(session: Session): void {
    this.autoBind.add(session);
    session.hold('auto-bind', () => this.autoBind.delete(session));
  }
}
