/**
 * Portfolio history (`GET /v2/account/portfolio/history`): the account's equity at points in time, rebuilt by
 * replaying the fills up to each point (cash from the starting cash, positions from the fills) and marking the
 * positions at the market's last trade then. Points follow Alpaca's layout: `1D` points at New York midnight of
 * each trading day (equity at its close, or now for today), intraday points every timeframe through each regular
 * session. `base_value` is the equity just before the first point's session.
 */
import type { AssetCatalog } from '../market/assets.js';
import { lastSessionAtOrBefore, nyDay, nyWallToMs, type Session, sessionOf } from '../market/calendar.js';
import type { MarketModel } from '../market/prices.js';
import type { FillActivity } from './activities.js';

export interface HistoryRequest {
  /** The sessions the history covers, oldest first. */
  readonly sessions: readonly Session[];
  /** ms between points; undefined for one point per day. */
  readonly stepMs: number | undefined;
  readonly nowMs: number;
}

export interface PortfolioHistory {
  readonly timestamp: number[];
  readonly equity: number[];
  readonly profit_loss: number[];
  readonly profit_loss_pct: number[];
  readonly base_value: number;
  readonly base_value_asof: string;
}

export function equityAt(
  fills: readonly FillActivity[],
  startingCash: number,
  catalog: AssetCatalog,
  model: MarketModel,
  tMs: number,
): number {
  let cash = startingCash;
  const held = new Map<string, number>();
  for (const f of fills) {
    if (f.tMs > tMs) break;
    const qty = Number(f.qty) * (f.side === 'buy' ? 1 : -1);
    cash -= qty * Number(f.price);
    held.set(f.symbol, (held.get(f.symbol) ?? 0) + qty);
  }
  let equity = cash;
  for (const [symbol, qty] of held) {
    const asset = catalog.find(symbol);
    if (asset && qty !== 0) equity += qty * model.lastTrade(asset, tMs).price;
  }
  return Math.round(equity * 100) / 100;
}

/** The last `count` regular sessions that opened at or before nowMs, oldest first. */
export function sessionsBack(nowMs: number, count: number): Session[] {
  const out: Session[] = [];
  let s = lastSessionAtOrBefore(nowMs);
  while (out.length < count) {
    out.unshift(s);
    s = lastSessionAtOrBefore(s.openMs - 1);
  }
  return out;
}

/** The regular sessions of the `days` New York days ending with nowMs's, oldest first. */
export function sessionsOfDays(nowMs: number, days: number): Session[] {
  const out: Session[] = [];
  for (let day = nyDay(nowMs) - days + 1; day <= nyDay(nowMs); day++) {
    const s = sessionOf(day);
    if (s && s.openMs <= nowMs) out.push(s);
  }
  return out;
}

export function portfolioHistory(
  req: HistoryRequest,
  fills: readonly FillActivity[],
  startingCash: number,
  catalog: AssetCatalog,
  model: MarketModel,
): PortfolioHistory {
  const points: { stampMs: number; atMs: number }[] = [];
  for (const s of req.sessions) {
    if (req.stepMs === undefined) {
      points.push({ stampMs: nyWallToMs(s.day, 0), atMs: Math.min(s.closeMs, req.nowMs) });
      continue;
    }
    for (let t = s.openMs; t < s.closeMs && t <= req.nowMs; t += req.stepMs) points.push({ stampMs: t, atMs: t });
  }
  const first = req.sessions[0];
  const before = lastSessionAtOrBefore((first?.openMs ?? req.nowMs) - 1);
  const base = equityAt(fills, startingCash, catalog, model, before.closeMs);
  const equity = points.map((p) => equityAt(fills, startingCash, catalog, model, p.atMs));
  const pl = equity.map((e) => Math.round((e - base) * 100) / 100);
  return {
    timestamp: points.map((p) => Math.floor(p.stampMs / 1000)),
    equity,
    profit_loss: pl,
    profit_loss_pct: pl.map((x) => (base === 0 ? 0 : x / base)),
    base_value: base,
    base_value_asof: new Date(nyWallToMs(before.day, 0) + 12 * 3_600_000).toISOString().slice(0, 10),
  };
}
