/** Text forms of a result: the statistics as labelled rows, and CSV tables for notebooks. */
import type { BacktestResult } from '../engine.js';
import type { Statistics } from '../stats.js';

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);
const num = (v: number | null, d = 2): string => (v === null ? 'n/a' : v.toFixed(d));

function duration(ms: number): string {
  const days = ms / 86_400_000;
  if (days >= 1) return `${days.toFixed(1)} days`;
  const hours = ms / 3_600_000;
  return hours >= 1 ? `${hours.toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}

/** [label, value] rows in reading order. */
export function formatStatistics(s: Statistics): Array<[string, string]> {
  return [
    ['start equity', num(s.startEquity)],
    ['end equity', num(s.endEquity)],
    ['total return', pct(s.totalReturn)],
    ['CAGR', pct(s.cagr)],
    ['volatility (annualised)', pct(s.volatility)],
    ['Sharpe', num(s.sharpe)],
    ['Sortino', num(s.sortino)],
    ['max drawdown', pct(s.maxDrawdown)],
    ['max drawdown duration', duration(s.maxDrawdownDurationMs)],
    ['trades', String(s.trades)],
    ['win rate', pct(s.winRate)],
    ['profit factor', num(s.profitFactor)],
    ['exposure', pct(s.exposure)],
    ['turnover', `${num(s.turnover)} x`],
    ['commissions', num(s.commissions)],
    ['fills', String(s.fills)],
    ['returns used', `${s.returns} ${s.returnPeriod === 'day' ? 'daily' : 'per-bar'} (x ${s.periodsPerYear}/year)`],
  ];
}

function csv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | undefined | null>>,
): string {
  const cell = (v: string | number | undefined | null): string => {
    if (v === undefined || v === null) return '';
    const t = String(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** File name → CSV text: orders, fills, trades, positions, equity. */
export function resultCsvFiles(r: BacktestResult): Record<string, string> {
  return {
    'orders.csv': csv(
      [
        'id',
        'symbol',
        'side',
        'quantity',
        'type',
        'limit_price',
        'stop_price',
        'tif',
        'status',
        'filled',
        'avg_fill_price',
        'created',
        'updated',
        'reason',
      ],
      r.orders.map((o) => [
        o.id,
        o.symbol,
        o.side,
        o.quantity,
        o.type,
        o.limitPrice,
        o.stopPrice,
        o.tif,
        o.status,
        o.filledQuantity,
        o.avgFillPrice,
        iso(o.createdAt),
        iso(o.updatedAt),
        o.reason,
      ]),
    ),
    'fills.csv': csv(
      ['time', 'order_id', 'exec_id', 'symbol', 'side', 'quantity', 'price', 'commission'],
      r.fills.map((f) => [iso(f.time), f.orderId, f.execId, f.symbol, f.side, f.quantity, f.price, f.commission]),
    ),
    'trades.csv': csv(
      [
        'symbol',
        'side',
        'quantity',
        'entry_time',
        'entry_price',
        'exit_time',
        'exit_price',
        'pnl',
        'commission',
        'return',
      ],
      r.trades.map((t) => [
        t.symbol,
        t.side,
        t.quantity,
        iso(t.entryTime),
        t.entryPrice,
        iso(t.exitTime),
        t.exitPrice,
        t.pnl,
        t.commission,
        t.returnPct,
      ]),
    ),
    'positions.csv': csv(
      ['time', 'symbol', 'quantity', 'avg_price'],
      r.positions.map((p) => [iso(p.time), p.symbol, p.quantity, p.avgPrice]),
    ),
    'equity.csv': csv(
      ['time', 'equity', 'drawdown'],
      r.equity.map((p) => [iso(p.time), p.equity, p.drawdown]),
    ),
  };
}
