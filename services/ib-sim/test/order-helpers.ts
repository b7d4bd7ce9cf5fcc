/**
 * Helpers for the order/account tests: a sim on a manual clock (fills happen only when a test advances it),
 * an event recorder on an @stoqey/ib client that keeps every order/account event so a test can await one that
 * may already have arrived, and order builders.
 */
import { type Contract, EventName, IBApi, type Order, OrderAction, OrderType, SecType, TimeInForce } from '@stoqey/ib';
import type { RunningSim, SimOptions } from '../src/app.js';
import { type ManualClock, manualClock } from '../src/clock.js';
import { loose, startTestSim, type TestClient, TUESDAY_1100_ET, withTimeout } from './helpers.js';

export const AAPL_ID = 265598;
export const AAPL: Contract = {
  conId: AAPL_ID,
  symbol: 'AAPL',
  secType: SecType.STK,
  exchange: 'SMART',
  currency: 'USD',
};
export const ACCOUNT = 'DU1234567';

export interface ManualSim {
  readonly sim: RunningSim;
  readonly clock: ManualClock;
}

export async function startManualSim(options: SimOptions = {}): Promise<ManualSim> {
  const clock = manualClock(TUESDAY_1100_ET);
  const sim = await startTestSim({ clock, ...options });
  return { sim, clock };
}

const RECORDED = [
  EventName.openOrder,
  EventName.openOrderEnd,
  EventName.orderStatus,
  EventName.execDetails,
  EventName.execDetailsEnd,
  EventName.commissionReport,
  EventName.completedOrder,
  EventName.completedOrdersEnd,
  EventName.position,
  EventName.positionEnd,
  EventName.accountSummary,
  EventName.accountSummaryEnd,
  EventName.updateAccountValue,
  EventName.updatePortfolio,
  EventName.updateAccountTime,
  EventName.accountDownloadEnd,
  EventName.pnl,
  EventName.pnlSingle,
  EventName.disconnected,
  EventName.nextValidId,
] as const;

export interface Recorded {
  readonly event: string;
  readonly args: readonly unknown[];
}

/** Records every order/account event of a client, in arrival order; errors and infos come from TestClient. */
export class Recorder {
  readonly events: Recorded[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly client: TestClient) {
    for (const event of RECORDED) {
      loose(client.ib).on(event, (...args: unknown[]) => {
        this.events.push({ event, args });
        this.notify();
      });
    }
    for (const event of [EventName.error, EventName.info]) loose(client.ib).on(event, () => this.notify());
  }

  get ib(): IBApi {
    return this.client.ib;
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  of(event: EventName): Array<readonly unknown[]> {
    return this.events.filter((e) => e.event === event).map((e) => e.args);
  }

  /**
   * Resolves when `condition` holds, rejects after `ms`. Checked on every recorded event and every 20 ms, for
   * conditions on sim state (sessions, lines) that no client event announces.
   */
  async until<T>(condition: () => T | undefined | false, what: string, ms = 5_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = condition();
      if (value !== undefined && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 20));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first recorded `event` whose args satisfy `match` (past or future). */
  waitFor(
    event: EventName,
    match: (...args: never[]) => boolean = () => true,
    ms = 5_000,
  ): Promise<readonly unknown[]> {
    return this.until(
      () => this.of(event).find((args) => (match as (...a: unknown[]) => boolean)(...args)),
      `${event}`,
      ms,
    );
  }

  waitError(code: number, reqId?: number, ms = 5_000) {
    return this.until(
      () => this.client.errors.find((e) => e.code === code && (reqId === undefined || e.reqId === reqId)),
      `error ${code}`,
      ms,
    );
  }

  waitInfo(code: number, ms = 5_000) {
    return this.until(() => this.client.infos.find((e) => e.code === code), `info ${code}`, ms);
  }

  statuses(orderId: number): string[] {
    return this.of(EventName.orderStatus)
      .filter((a) => a[0] === orderId)
      .map((a) => a[1] as string);
  }
}

/** Connects @stoqey/ib with the recorder attached first, so what the sim pushes at connect is kept too. */
export async function connectRecorder(port: number, clientId: number): Promise<Recorder> {
  const ib = new IBApi({ host: '127.0.0.1', port });
  const client: TestClient = { ib, errors: [], infos: [], accounts: [], close: () => ib.disconnect() };
  ib.on(EventName.managedAccounts, (list: string) => client.accounts.push(list));
  ib.on(EventName.error, (err: Error, code: number, reqId: number) =>
    client.errors.push({ code, reqId, message: err.message }),
  );
  ib.on(EventName.info, (message: string, code: number) => client.infos.push({ code, reqId: -1, message }));
  const recorder = new Recorder(client);
  const ready = new Promise<void>((resolve) => ib.once(EventName.nextValidId, () => resolve()));
  ib.connect(clientId);
  await withTimeout(ready, 5_000, 'nextValidId');
  return recorder;
}

export function limit(action: 'BUY' | 'SELL', qty: number, price: number, extra: Partial<Order> = {}): Order {
  return {
    action: action === 'BUY' ? OrderAction.BUY : OrderAction.SELL,
    orderType: OrderType.LMT,
    totalQuantity: qty,
    lmtPrice: price,
    tif: TimeInForce.DAY,
    transmit: true,
    ...extra,
  };
}

export function market(action: 'BUY' | 'SELL', qty: number, extra: Partial<Order> = {}): Order {
  return {
    action: action === 'BUY' ? OrderAction.BUY : OrderAction.SELL,
    orderType: OrderType.MKT,
    totalQuantity: qty,
    tif: TimeInForce.DAY,
    transmit: true,
    ...extra,
  };
}

export const cents = (x: number): number => Math.round(x * 100);
export const toCents = (text: string): number => Math.round(Number(text) * 100);

/**
 * The first matching-step instant after `fromMs` (steps every `stepMs` from the sim start) at which the AAPL
 * ask is at or below `limitPrice`, scanning at most `horizonMs`.
 */
export function firstAskAtOrBelow(
  sim: RunningSim,
  conId: number,
  fromMs: number,
  limitPrice: number,
  horizonMs = 3_600_000,
  stepMs = 250,
): number | undefined {
  for (let t = fromMs + stepMs; t <= fromMs + horizonMs; t += stepMs) {
    if (cents(sim.control.quotes.quoteAt(conId, t).ask) <= cents(limitPrice)) return t;
  }
  return undefined;
}

/** The lowest AAPL ask over the next `horizonMs` at step instants. */
export function lowestAsk(sim: RunningSim, conId: number, fromMs: number, horizonMs = 3_600_000, stepMs = 250): number {
  let low = Number.POSITIVE_INFINITY;
  for (let t = fromMs + stepMs; t <= fromMs + horizonMs; t += stepMs) {
    low = Math.min(low, sim.control.quotes.quoteAt(conId, t).ask);
  }
  return low;
}
