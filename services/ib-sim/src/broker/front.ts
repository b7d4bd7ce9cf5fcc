/**
 * The exchange front: the TWS-side face of the exchange core. It routes the core's events to the sessions
 * that should see them (order events to the owning clientId's session and to auto-bound clientId-0
 * sessions; account events to subscribers), drives matching from the sim clock, and turns core state into
 * wire messages for the request handlers.
 *
 * Orders outlive connections: an event for a clientId with no session is not sent anywhere, the core keeps
 * the state, and the reconnecting client reads it back (reqOpenOrders, reqExecutions, reqPositions).
 */

import { toWall } from '@trading-system/contracts';
import type { Exchange, ExchangeEvent, ExecutionRecord, OrderRecord, PortfolioItem } from '@trading-system/exchange';
import { microsToNumber } from '@trading-system/exchange';
import { fmtHms, formatTwsTime } from '../history/dates.js';
import type { Instrument } from '../instruments/instrument.js';
import type { Session } from '../server/session.js';
import type { SimContext } from '../server/sim-context.js';
import * as acc from '../wire/account-encoders.js';
import * as ord from '../wire/order-encoders.js';
import { coreIdOf } from './ports.js';
import { type PnlSubscription, Subscriptions } from './subscriptions.js';

/** Ledger tags of reqAccountSummary's `$LEDGER` groups. */
const LEDGER_TAGS: ReadonlySet<string> = new Set([
  'CashBalance',
  'TotalCashBalance',
  'NetLiquidationByCurrency',
  'UnrealizedPnL',
  'RealizedPnL',
]);

export interface FrontOptions {
  /** Sim ms between matching steps (default 250, the stock/futures tick cadence). */
  readonly matchIntervalMs?: number;
  /** Sim ms between PnL pushes to reqPnL subscribers (default 1000). */
  readonly pnlIntervalMs?: number;
  /** Sim ms between account summary re-sends to subscribers (default 3 minutes, as TWS). */
  readonly summaryIntervalMs?: number;
}

export class ExchangeFront {
  readonly subs = new Subscriptions();
  private readonly stops: Array<() => void> = [];
  private summaryDirty = false;

  constructor(
    readonly sim: SimContext,
    readonly exchange: Exchange,
    private readonly options: FrontOptions = {},
  ) {}

  start(): void {
    for (const o of [...this.exchange.openOrders(), ...this.exchange.completedOrders()]) {
      this.sim.noteOrderId(o.clientId, o.orderId);
    }
    this.stops.push(this.exchange.onEvent((event) => this.route(event)));
    // A (re)connecting client is told about its working orders unasked, as TWS does (spec §5.1).
    const onStart = (s: Session): void => {
      for (const o of this.exchange.openOrders(s.clientId ?? 0)) {
        this.sendOpenOrder(s, o);
        s.send(ord.orderStatusOf(o));
      }
    };
    this.sim.apiStartListeners.push(onStart);
    this.stops.push(() => {
      const i = this.sim.apiStartListeners.indexOf(onStart);
      if (i >= 0) this.sim.apiStartListeners.splice(i, 1);
    });
    this.stops.push(this.sim.clock.setRepeating(() => this.step(), this.options.matchIntervalMs ?? 250));
    this.stops.push(this.sim.clock.setRepeating(() => this.pushPnl(), this.options.pnlIntervalMs ?? 1_000));
    this.stops.push(this.sim.clock.setRepeating(() => this.pushSummaries(), this.options.summaryIntervalMs ?? 180_000));
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /** One matching step at the sim clock's now. */
  step(): void {
    try {
      this.exchange.step(this.sim.clock.now());
    } catch (err) {
      this.sim.log.error({ err }, 'matching step failed');
    }
  }

  /** The catalog's instrument behind a core id (the core holds only ids made by coreIdOf: conId strings). */
  instrument(id: string): Instrument | undefined {
    return this.sim.catalog.get(Number(id));
  }

  /** `yyyyMMdd HH:mm:ss <zone>` in TWS's zone (execution and completion times). */
  twsTime(ms: number): string {
    const zone = this.sim.settings.twsTimeZone;
    return formatTwsTime(ms, zone, zone);
  }

  sessionsOf(clientId: number): Session[] {
    return this.sim.readySessions().filter((s) => s.clientId === clientId);
  }

  private orderAudience(clientId: number): Session[] {
    const owners = this.sessionsOf(clientId);
    const bound = [...this.subs.autoBind].filter((s) => !s.closed && s.clientId !== clientId);
    return [...owners, ...bound];
  }

  route(event: ExchangeEvent): void {
    switch (event.kind) {
      case 'openOrder': {
        for (const s of this.orderAudience(event.clientId)) this.sendOpenOrder(s, event.order);
        break;
      }
      case 'orderStatus': {
        for (const s of this.orderAudience(event.clientId)) s.send(ord.orderStatus(event));
        break;
      }
      case 'execution':
        for (const s of this.sessionsOf(event.clientId)) this.sendExecution(s, -1, event.execution, false);
        this.summaryDirty = true;
        queueMicrotask(() => this.flushAccountPush());
        break;
      case 'commission':
        for (const s of this.sessionsOf(event.clientId)) {
          s.send(ord.commissionReport(event.execId, event.commission, event.currency, event.realizedPnL));
        }
        break;
      case 'error':
        for (const s of this.sessionsOf(event.clientId)) s.error(event.id, event.code, event.message);
        break;
      case 'position': {
        const p = event.position;
        const i = this.instrument(p.instrumentId);
        if (!i) break;
        for (const s of this.subs.positions) s.send(acc.position(p.account, i, p.position, p.avgCost));
        break;
      }
      case 'portfolio':
        for (const [s, account] of this.subs.accountUpdates) {
          if (account === event.account) this.sendPortfolio(s, event.account, event.item);
        }
        break;
      case 'accountValue': {
        const v = event.value;
        for (const [s, account] of this.subs.accountUpdates) {
          if (account === v.account) s.send(acc.accountValue(v.tag, v.value, v.currency, v.account));
        }
        break;
      }
    }
  }

  sendOpenOrder(s: Session, o: Readonly<OrderRecord>, whatIf?: ord.WhatIfState): void {
    const i = this.instrument(o.instrumentId);
    if (!i) {
      this.sim.log.warn(
        { instrumentId: o.instrumentId, orderId: o.orderId },
        'order on an instrument missing from the catalog',
      );
      return;
    }
    s.send(ord.openOrder(s.serverVersion, o, i, whatIf));
  }

  sendCompletedOrder(s: Session, o: Readonly<OrderRecord>): void {
    const i = this.instrument(o.instrumentId);
    if (!i) return;
    s.send(ord.completedOrder(s.serverVersion, o, i, this.twsTime(o.completedAtMs ?? o.updatedAtMs)));
  }

  /** execDetails, and with `withCommission` its commissionReport (reqExecutions replies carry both). */
  sendExecution(s: Session, reqId: number, e: ExecutionRecord, withCommission: boolean): void {
    const i = this.instrument(e.instrumentId);
    if (!i) return;
    s.send(ord.execDetails(s.serverVersion, reqId, e, i, this.twsTime(e.timeMs)));
    if (withCommission) {
      s.send(
        ord.commissionReport(
          e.execId,
          microsToNumber(e.commissionMicros),
          e.commissionCurrency,
          e.realizedPnLMicros === undefined ? undefined : microsToNumber(e.realizedPnLMicros),
        ),
      );
    }
  }

  sendPortfolio(s: Session, account: string, item: PortfolioItem): void {
    const i = this.instrument(item.instrumentId);
    if (!i) return;
    const unrealized = microsToNumber(item.unrealizedPnLMicros);
    s.send(
      acc.portfolioValue(
        i,
        {
          position: item.position,
          marketPrice: item.marketPrice,
          marketValue: microsToNumber(item.marketValueMicros),
          averageCost: item.averageCost,
          unrealizedPnL: unrealized,
          realizedPnL: microsToNumber(item.realizedPnLMicros),
        },
        account,
      ),
    );
  }

  /** The full reqAccountUpdates download: values, portfolio, time, end. */
  sendAccountDownload(s: Session, account: string): void {
    const now = this.sim.clock.now();
    for (const v of this.exchange.accountValues(account, now)) {
      s.send(acc.accountValue(v.tag, v.value, v.currency, v.account));
    }
    for (const item of this.exchange.portfolio(account, now)) this.sendPortfolio(s, account, item);
    s.send(acc.accountUpdateTime(fmtHms(toWall(this.sim.settings.twsTimeZone, now)).slice(0, 5)));
    s.send(acc.accountDownloadEnd(account));
  }

  /** reqAccountSummary rows for every account: summary tags as requested, `$LEDGER[:ALL|:CCY]` groups. */
  summaryRows(tags: readonly string[]): Array<{ account: string; tag: string; value: string; currency: string }> {
    const now = this.sim.clock.now();
    const out: Array<{ account: string; tag: string; value: string; currency: string }> = [];
    for (const account of this.exchange.accounts()) {
      const values = this.exchange.accountValues(account, now);
      const summary = values.filter((v) => v.currency !== 'BASE');
      const base = this.exchange.accountSummary(account, now).baseCurrency;
      const seen = new Set<string>();
      for (const tag of tags) {
        if (tag.startsWith('$LEDGER')) {
          const which = tag.split(':')[1]?.toUpperCase();
          const ledger = values.slice(values.findIndex((v) => v.currency === 'BASE'));
          for (const v of ledger) {
            if (!LEDGER_TAGS.has(v.tag)) continue;
            const wanted =
              which === 'ALL' || v.currency === (which ?? base) || (which === undefined && v.currency === 'BASE');
            const key = `${v.tag}|${v.currency}`;
            if (wanted && !seen.has(key)) {
              seen.add(key);
              out.push(v);
            }
          }
          continue;
        }
        const v = summary.find((x) => x.tag === tag);
        if (v && !seen.has(tag)) {
          seen.add(tag);
          out.push(v);
        }
      }
    }
    return out;
  }

  sendSummary(s: Session, reqId: number, tags: readonly string[]): void {
    for (const v of this.summaryRows(tags)) s.send(acc.accountSummary(reqId, v.account, v.tag, v.value, v.currency));
    s.send(acc.accountSummaryEnd(reqId));
  }

  sendPnl(s: Session, sub: PnlSubscription): void {
    const now = this.sim.clock.now();
    const conId = sub.conId;
    if (conId === undefined) {
      const summary = this.exchange.accountSummary(sub.account, now);
      const unrealized = microsToNumber(summary.unrealizedPnL);
      const realized = microsToNumber(summary.realizedPnL);
      s.send(acc.pnl(sub.reqId, unrealized + realized, unrealized, realized));
      return;
    }
    const item = this.exchange.portfolio(sub.account, now).find((p) => p.instrumentId === coreIdOf(conId));
    if (!item) {
      s.send(acc.pnlSingle(sub.reqId, 0, 0, 0, 0, 0));
      return;
    }
    const unrealized = microsToNumber(item.unrealizedPnLMicros);
    const realized = microsToNumber(item.realizedPnLMicros);
    s.send(
      acc.pnlSingle(
        sub.reqId,
        item.position,
        unrealized + realized,
        unrealized,
        realized,
        microsToNumber(item.marketValueMicros),
      ),
    );
  }

  private pushPnl(): void {
    for (const [s, subs] of this.subs.pnl) for (const sub of subs.values()) this.sendPnl(s, sub);
  }

  /** After fills: account summary subscribers get the new values, PnL subscribers a fresh line. */
  private flushAccountPush(): void {
    if (!this.summaryDirty) return;
    this.summaryDirty = false;
    this.pushSummaries();
    this.pushPnl();
  }

  /** Every subscription gets its tags again (TWS re-sends about every 3 minutes). */
  private pushSummaries(): void {
    for (const [s, subs] of this.subs.summaries) {
      for (const sub of subs.values()) this.sendSummary(s, sub.reqId, sub.tags);
    }
  }
}
