/**
 * Trading API routes around the account: the market calendar, account activities (fills), portfolio history,
 * account configurations (kept, not enforced) and closing positions (one or all, by market order).
 */
import type { Clock } from '../clock.js';
import type { AccountIdentity } from '../core/account.js';
import { type ActivityLog, fillJson } from '../core/activities.js';
import type { Broker } from '../core/broker.js';
import { API_ERRORS } from '../core/errors.js';
import { orderJson } from '../core/order-json.js';
import { portfolioHistory, sessionsBack, sessionsOfDays } from '../core/portfolio-history.js';
import type { AssetCatalog } from '../market/assets.js';
import { nyDay, nyOffsetMs, nyWallToMs, type Session, sessionOf } from '../market/calendar.js';
import type { MarketModel } from '../market/prices.js';
import { closeAllPositions, closePosition } from './close-positions.js';
import type { Request, Route } from './router.js';

export interface AccountDeps {
  readonly broker: Broker;
  readonly catalog: AssetCatalog;
  readonly model: MarketModel;
  readonly clock: Clock;
  readonly identity: AccountIdentity;
  readonly activities: ActivityLog;
  readonly startingCash: number;
}

const DAY_MS = 86_400_000;
/** US equities settle T+1 from 2024-05-28, T+2 before. */
const T_PLUS_ONE_FROM_DAY = Date.parse('2024-05-28') / DAY_MS;

const dateText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const hhmm = (ms: number, sep: string) => {
  const local = new Date(ms + nyOffsetMs(ms));
  return `${String(local.getUTCHours()).padStart(2, '0')}${sep}${String(local.getUTCMinutes()).padStart(2, '0')}`;
};

function settlement(day: number): number {
  let left = day >= T_PLUS_ONE_FROM_DAY ? 1 : 2;
  let d = day;
  while (left > 0) {
    d++;
    if (sessionOf(d)) left--;
  }
  return d;
}

function dayParam(q: URLSearchParams, key: string, fallback: number): number {
  const raw = q.get(key);
  if (raw === null) return fallback;
  const ms = Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(ms)) throw API_ERRORS.invalid(`invalid ${key}`);
  return Math.floor(ms / DAY_MS);
}

function calendar(q: URLSearchParams, nowMs: number): Record<string, unknown>[] {
  // Alpaca answers the whole calendar without bounds; the sim bounds the default to a year either side of today.
  const today = nyDay(nowMs);
  const start = dayParam(q, 'start', today - 365);
  const end = dayParam(q, 'end', today + 365);
  const out: Record<string, unknown>[] = [];
  for (let day = start; day <= end; day++) {
    const regular = sessionOf(day);
    const extended = sessionOf(day, true);
    if (!regular || !extended) continue;
    out.push({
      date: dateText(day),
      open: hhmm(regular.openMs, ':'),
      close: hhmm(regular.closeMs, ':'),
      session_open: hhmm(extended.openMs, ''),
      session_close: hhmm(extended.closeMs, ''),
      settlement_date: dateText(settlement(day)),
    });
  }
  return out;
}

const CONFIG_DEFAULTS = {
  dtbp_check: 'entry',
  trade_confirm_email: 'all',
  suspend_trade: false,
  no_shorting: false,
  fractional_trading: true,
  max_margin_multiplier: '2',
  pdt_check: 'entry',
  ptp_no_exception_entry: false,
};

const TIMEFRAMES: Readonly<Record<string, number | undefined>> = {
  '1Min': 60_000,
  '5Min': 300_000,
  '15Min': 900_000,
  '1H': 3_600_000,
  '1D': undefined,
};

function historySessions(q: URLSearchParams, nowMs: number): { sessions: Session[]; periodDays: number } {
  const period = q.get('period') ?? '1M';
  const m = /^(\d+)(D|W|M|A)$/.exec(period);
  if (!m) throw API_ERRORS.invalid('invalid period');
  const n = Number(m[1]);
  const dateEnd = q.get('date_end');
  const end = Math.min(nowMs, dateEnd === null ? nowMs : nyWallToMs(dayParam(q, 'date_end', 0) + 1, 0) - 1);
  if (m[2] === 'D') return { sessions: sessionsBack(end, n), periodDays: n };
  const days = n * (m[2] === 'W' ? 7 : m[2] === 'M' ? 30 : 365);
  return { sessions: sessionsOfDays(end, days), periodDays: days };
}

export function accountRoutes(d: AccountDeps): Route[] {
  const { broker, catalog, model, clock, activities } = d;
  const config: Record<string, unknown> = { ...CONFIG_DEFAULTS };
  const route = (method: string, pattern: RegExp, handle: Route['handle']): Route => ({
    method,
    pattern,
    api: 'trading',
    handle,
  });
  const listActivities = (r: Request, types: readonly string[]) => {
    const unknown = types.filter((t) => !/^[A-Z]{2,6}$/.test(t));
    if (unknown.length > 0) throw API_ERRORS.invalid(`invalid activity type: ${unknown.join(',')}`);
    if (types.length > 0 && !types.includes('FILL')) return { status: 200, body: [] };
    const q = r.query;
    const direction = q.get('direction') ?? 'desc';
    if (direction !== 'asc' && direction !== 'desc') throw API_ERRORS.invalid('invalid direction');
    const pageSize = Number(q.get('page_size') ?? 100);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw API_ERRORS.invalid('invalid page_size');
    const day = q.get('date');
    const after = q.get('after') === null ? undefined : Date.parse(q.get('after') ?? '');
    const until = q.get('until') === null ? undefined : Date.parse(q.get('until') ?? '');
    if (Number.isNaN(after) || Number.isNaN(until)) throw API_ERRORS.invalid('invalid after or until');
    const token = q.get('page_token');
    let fills = activities.all().filter((f) => {
      if (day !== null && new Date(f.tMs).toISOString().slice(0, 10) !== day.slice(0, 10)) return false;
      return (after === undefined || f.tMs > after) && (until === undefined || f.tMs < until);
    });
    if (direction === 'desc') fills = [...fills].reverse();
    // The page token is the id of the last activity of the previous page.
    if (token) fills = fills.filter((f) => (direction === 'desc' ? f.id < token : f.id > token));
    return { status: 200, body: fills.slice(0, pageSize).map(fillJson) };
  };
  return [
    route('GET', /^\/v2\/calendar$/, (r) => ({ status: 200, body: calendar(r.query, clock.now()) })),
    route('GET', /^\/v2\/account\/activities$/, (r) =>
      listActivities(
        r,
        (r.query.get('activity_types') ?? '').split(',').filter((t) => t !== ''),
      ),
    ),
    route('GET', /^\/v2\/account\/activities\/([^/]+)$/, (r) => listActivities(r, [r.params[0] ?? ''])),
    route('GET', /^\/v2\/account\/portfolio\/history$/, (r) => {
      const now = clock.now();
      const { sessions, periodDays } = historySessions(r.query, now);
      const tf = r.query.get('timeframe') ?? (periodDays < 7 ? '1Min' : periodDays < 30 ? '15Min' : '1D');
      if (!(tf in TIMEFRAMES)) throw API_ERRORS.invalid('invalid timeframe');
      const history = portfolioHistory(
        { sessions, stepMs: TIMEFRAMES[tf], nowMs: now },
        activities.all(),
        d.startingCash,
        catalog,
        model,
      );
      return { status: 200, body: { ...history, timeframe: tf } };
    }),
    route('GET', /^\/v2\/account\/configurations$/, () => ({ status: 200, body: { ...config } })),
    route('PATCH', /^\/v2\/account\/configurations$/, (r) => {
      const body = (r.body ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(body)) {
        if (!(k in CONFIG_DEFAULTS)) throw API_ERRORS.invalid(`invalid configuration: ${k}`);
        if (typeof v !== typeof CONFIG_DEFAULTS[k as keyof typeof CONFIG_DEFAULTS]) {
          throw API_ERRORS.invalid(`invalid value for ${k}`);
        }
        config[k] = v;
      }
      return { status: 200, body: { ...config } };
    }),
    route('DELETE', /^\/v2\/positions$/, (r) => ({
      status: 207,
      body: closeAllPositions(broker, catalog, r.query.get('cancel_orders') === 'true').map((x) => ({
        symbol: x.symbol,
        status: x.status,
        body: x.order ? orderJson(x.order) : x.error,
      })),
    })),
    route('DELETE', /^\/v2\/positions\/(.+)$/, (r) => ({
      status: 200,
      body: orderJson(closePosition(broker, catalog, r.params[0] ?? '', r.query)),
    })),
  ];
}
