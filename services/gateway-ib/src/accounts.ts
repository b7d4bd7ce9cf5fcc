/**
 * Accounts of one broker connection: positions (a standing IB reqPositions subscription, kept as a map and
 * published as `account.<name>.evt.position` on every change after the initial download), account summary
 * (IB reqAccountSummary on request; and from a standing reqAccountUpdates on the first managed account,
 * published as `account.<name>.evt.summary` after each IB download, about every 3 minutes) and PnL (a standing
 * reqPnL per managed account, published as `account.<name>.evt.pnl`). Served on `broker.<name>.cmd.positions|accountSummary` and
 * `account.<name>.positions|summary`.
 */
import type { Contract } from '@stoqey/ib';
import type { Bus } from '@trading-system/bus';
import {
  type AccountPnl,
  type AccountSummary,
  type AccountValue,
  ContractError,
  type Position,
  SecType,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection } from './connection.js';
import { instrumentIdOf } from './parsing/contracts.js';
import { toDecimalString } from './parsing/numbers.js';
import { fingerprint } from './parsing/orders.js';

const SUMMARY_TAGS = [
  'AccountType',
  'NetLiquidation',
  'TotalCashValue',
  'BuyingPower',
  'AvailableFunds',
  'ExcessLiquidity',
  'InitMarginReq',
  'MaintMarginReq',
  'GrossPositionValue',
].join(',');

const FIELD_OF: Readonly<Record<string, keyof AccountSummary>> = {
  NetLiquidation: 'netLiquidation',
  TotalCashValue: 'totalCashValue',
  BuyingPower: 'buyingPower',
  AvailableFunds: 'availableFunds',
  ExcessLiquidity: 'excessLiquidity',
  InitMarginReq: 'initMarginReq',
  MaintMarginReq: 'maintMarginReq',
  GrossPositionValue: 'grossPositionValue',
};

export interface AccountsOptions {
  readonly summaryTimeoutMs?: number;
}

/** IB serves at most two account summary requests at a time (a third gets error 322); more wait their turn. */
const MAX_SUMMARIES_IN_FLIGHT = 2;

export class Accounts {
  private readonly positions = new Map<string, Position>();
  private positionsReady = false;
  private readyWaiters: Array<() => void> = [];
  private readonly pnl = new Map<string, AccountPnl>();
  private readonly pnlReqs = new Map<number, string>();
  private readonly summaryTimeoutMs: number;
  private summariesInFlight = 0;
  private readonly summaryWaiters: Array<() => void> = [];
  /** Values of the reqAccountUpdates subscription, key|currency → value, per account. */
  private readonly values = new Map<string, Map<string, AccountValue>>();

  constructor(
    private readonly conn: BrokerConnection,
    private readonly bus: Bus,
    private readonly log: Logger,
    options: AccountsOptions = {},
  ) {
    this.summaryTimeoutMs = options.summaryTimeoutMs ?? 10_000;
    conn.on({
      ready: () => {
        this.positionsReady = false;
        this.positions.clear();
        conn.send('data', 'reqPositions', (p) => p.reqPositions());
        for (const reqId of this.pnlReqs.keys()) conn.unregister(reqId);
        this.pnlReqs.clear();
        for (const account of conn.managedAccounts) {
          const reqId = conn.allocReqId();
          this.pnlReqs.set(reqId, account);
          conn.send('data', 'reqPnL', (p) => p.reqPnL(reqId, account));
        }
        const first = conn.managedAccounts[0];
        if (first !== undefined) conn.send('data', 'reqAccountUpdates', (p) => p.reqAccountUpdates(true, first));
      },
      down: () => {
        this.positionsReady = false;
      },
    });
    conn.onStream({
      onPosition: (account, contract, pos, avgCost) => this.onPosition(account, contract, pos, avgCost),
      onPositionEnd: () => {
        this.positionsReady = true;
        for (const w of this.readyWaiters.splice(0)) w();
      },
      onAccountValue: (key, value, currency, account) => {
        let m = this.values.get(account);
        if (m === undefined) {
          m = new Map();
          this.values.set(account, m);
        }
        m.set(`${key}|${currency}`, accountValue(key, value, currency));
      },
      onAccountDownloadEnd: (account) => {
        const m = this.values.get(account);
        if (m === undefined) return;
        const now = Date.now();
        const summary = buildSummary(conn.name, account, [...m.values()], this.pnl.get(account), now);
        this.emit('summary', {
          v: 1,
          eventId: `sum-${account}-${now}`,
          broker: conn.name,
          account,
          tsEventMs: now,
          tsInitMs: now,
          summary,
        });
      },
      onPnl: (reqId, daily, unrealized, realized) => {
        const account = this.pnlReqs.get(reqId);
        if (account === undefined) return;
        const pnl = dropUndefined({
          dailyPnl: toDecimalString(daily),
          unrealizedPnl: toDecimalString(unrealized),
          realizedPnl: toDecimalString(realized),
        });
        this.pnl.set(account, pnl);
        const now = Date.now();
        this.emit('pnl', {
          v: 1,
          eventId: `pnl-${account}-${now}`,
          broker: conn.name,
          account,
          tsEventMs: now,
          tsInitMs: now,
          pnl,
        });
      },
    });
  }

  /** Positions once IB's initial download after (re)connect is complete. */
  async currentPositions(account?: string, timeoutMs = 10_000): Promise<Position[]> {
    this.conn.requireReady();
    if (!this.positionsReady) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ContractError('TIMEOUT', 'no positions from IB in time')), timeoutMs);
        this.readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.checkAccount(account);
    return [...this.positions.values()].filter(
      (p) => (account === undefined || p.account === account) && p.quantity !== '0',
    );
  }

  async summary(account?: string): Promise<AccountSummary[]> {
    this.conn.requireReady();
    this.checkAccount(account);
    if (this.summariesInFlight >= MAX_SUMMARIES_IN_FLIGHT)
      await new Promise<void>((resolve) => this.summaryWaiters.push(resolve));
    this.summariesInFlight++;
    try {
      return await this.requestSummary(account);
    } finally {
      this.summariesInFlight--;
      this.summaryWaiters.shift()?.();
    }
  }

  private async requestSummary(account: string | undefined): Promise<AccountSummary[]> {
    this.conn.requireReady();
    const reqId = this.conn.allocReqId();
    const rows: Array<{ account: string; tag: string; value: string; currency: string }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new ContractError('TIMEOUT', 'no account summary from IB in time'));
      }, this.summaryTimeoutMs);
      let active = true;
      const done = (): void => {
        clearTimeout(timer);
        if (!active) return;
        active = false;
        off();
        this.conn.unregister(reqId);
        if (this.conn.isReady) this.conn.send('cancel', 'cancelAccountSummary', (p) => p.cancelAccountSummary(reqId));
      };
      // An IB error for the request (322: too many summaries, e.g. from another client) ends it at once.
      this.conn.register(reqId, {
        code: (code, message, info) => {
          if (info.cls === 'warning') return;
          done();
          reject(new ContractError('SERVICE_UNAVAILABLE', `IB refused the account summary: ${code} ${message}`));
        },
      });
      const off = this.conn.onStream({
        onAccountSummary: (id, a, tag, value, currency) => {
          if (id === reqId) rows.push({ account: a, tag, value, currency });
        },
        onAccountSummaryEnd: (id) => {
          if (id !== reqId) return;
          done();
          resolve();
        },
      });
      this.conn.send('data', 'reqAccountSummary', (p) => p.reqAccountSummary(reqId, SUMMARY_TAGS));
    });
    const byAccount = new Map<string, AccountValue[]>();
    for (const r of rows) {
      if (account !== undefined && r.account !== account) continue;
      const list = byAccount.get(r.account) ?? [];
      list.push(accountValue(r.tag, r.value, r.currency));
      byAccount.set(r.account, list);
    }
    const now = Date.now();
    return [...byAccount.entries()].map(([a, values]) => buildSummary(this.conn.name, a, values, this.pnl.get(a), now));
  }

  private checkAccount(account: string | undefined): void {
    if (account !== undefined && !this.conn.managedAccounts.includes(account)) {
      throw new ContractError('ACCOUNT_UNKNOWN', `account ${account} is not managed by ${this.conn.name}`);
    }
  }

  private onPosition(account: string, contract: Contract, pos: number, avgCost: number | undefined): void {
    const secType = SecType.safeParse(contract.secType);
    const quantity = toDecimalString(pos);
    if (!secType.success || contract.conId === undefined || quantity === undefined || contract.currency === undefined) {
      this.log.warn({ account, conId: contract.conId, secType: contract.secType }, 'position not representable');
      return;
    }
    const p: Position = dropUndefined({
      broker: this.conn.name,
      account,
      instrumentId: instrumentIdOf(contract.conId),
      symbol: (contract.localSymbol || contract.symbol || String(contract.conId)).slice(0, 64),
      secType: secType.data,
      currency: contract.currency,
      quantity,
      avgCost: toDecimalString(avgCost),
    }) as Position;
    const key = `${account}|${contract.conId}`;
    const prev = this.positions.get(key);
    this.positions.set(key, p);
    if (!this.positionsReady || (prev?.quantity === p.quantity && prev?.avgCost === p.avgCost)) return;
    const now = Date.now();
    this.emit('position', {
      v: 1,
      eventId: `pos-${account}-${contract.conId}-${fingerprint(`${p.quantity}|${p.avgCost ?? ''}|${now}`)}`,
      broker: this.conn.name,
      account,
      tsEventMs: now,
      tsInitMs: now,
      position: p,
    });
  }

  private emit(kind: 'position' | 'pnl' | 'summary', msg: object): void {
    try {
      this.bus.publish(Subjects.accountEvent.build({ broker: this.conn.name, kind }), msg);
    } catch (err) {
      this.log.error({ err, kind }, 'publishing an account event failed');
    }
  }
}

function accountValue(key: string, value: string, currency: string): AccountValue {
  return /^[A-Z]{3,4}$/.test(currency)
    ? { key: key.slice(0, 64), value: value.slice(0, 128), currency }
    : { key: key.slice(0, 64), value: value.slice(0, 128) };
}

/** Main figures from raw values: the base-currency (or only) value of each known key. */
function buildSummary(
  broker: string,
  account: string,
  values: AccountValue[],
  pnl: AccountPnl | undefined,
  tsEventMs: number,
): AccountSummary {
  const s: AccountSummary = { broker, account, currency: 'USD', values, tsEventMs };
  const base = values.find((v) => v.key === 'NetLiquidation' && v.currency !== undefined && v.currency !== 'BASE');
  if (base?.currency !== undefined) s.currency = base.currency;
  for (const v of values) {
    const field = FIELD_OF[v.key];
    if (field === undefined || (v.currency !== undefined && v.currency !== s.currency) || v.value.trim() === '')
      continue;
    const num = toDecimalString(Number(v.value));
    if (num !== undefined) (s as unknown as Record<string, string>)[field] = num;
  }
  if (pnl !== undefined) s.pnl = pnl;
  return s;
}

function dropUndefined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o as { [K in keyof T]: Exclude<T[K], undefined> };
}
