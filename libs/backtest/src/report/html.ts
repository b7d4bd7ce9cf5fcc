/**
 * The backtest report as one self-contained HTML file: TradingView's Lightweight Charts (Apache-2.0, its standalone
 * build inlined, so the file works offline and can be mailed) draws the candles with the strategy's entries and
 * exits, and the equity with its drawdown; plain HTML tables hold the statistics and the trades. The run's data is
 * embedded as JSON; nothing is fetched.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BacktestResult } from '../engine.js';
import { formatStatistics } from './format.js';

let chartsLibrary: string | undefined;

/** The standalone build of lightweight-charts (read once). */
function chartsSource(): string {
  // The package exports only its module build; the standalone build sits beside it in dist/.
  const dist = dirname(fileURLToPath(import.meta.resolve('lightweight-charts')));
  chartsLibrary ??= readFileSync(join(dist, 'lightweight-charts.standalone.production.js'), 'utf8');
  return chartsLibrary;
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** Most markers a chart draws; beyond it the report says how many fills it left out. */
const MAX_MARKERS = 2_000;
const MAX_TRADE_ROWS = 2_000;

function chartData(r: BacktestResult) {
  const symbol = r.symbols[0] ?? '';
  const series = r.candles[symbol];
  const candles = (series?.candles ?? []).map((c) => ({
    time: Math.floor(c.time / 1000),
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
  }));
  const times = candles.map((c) => c.time);
  const candleTimeOf = (ms: number): number | undefined => {
    const s = Math.floor(ms / 1000);
    let lo = 0;
    let hi = times.length - 1;
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((times[mid] as number) <= s) {
        found = times[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const fills = r.fills.filter((f) => f.symbol === symbol);
  const shown = fills.slice(-MAX_MARKERS);
  const markers = shown.flatMap((f) => {
    const time = candleTimeOf(f.time);
    if (time === undefined) return [];
    const buy = f.side === 'BUY';
    return [
      {
        time,
        position: buy ? 'belowBar' : 'aboveBar',
        color: buy ? '#1b8a3a' : '#c62828',
        shape: buy ? 'arrowUp' : 'arrowDown',
        text: `${buy ? 'B' : 'S'} ${f.quantity} @ ${f.price}`,
      },
    ];
  });
  const equity: Array<{ time: number; value: number }> = [];
  const drawdown: Array<{ time: number; value: number }> = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const p of r.equity) {
    const time = Math.floor(p.time / 1000);
    if (time <= last) continue;
    last = time;
    equity.push({ time, value: Number(p.equity.toFixed(2)) });
    drawdown.push({ time, value: -Number((p.drawdown * 100).toFixed(4)) });
  }
  return {
    symbol,
    barsPerCandle: series?.barsPerCandle ?? 1,
    candles,
    markers,
    markersLeftOut: fills.length - shown.length,
    equity,
    drawdown,
  };
}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

export function renderHtmlReport(r: BacktestResult): string {
  const data = chartData(r);
  const stats = formatStatistics(r.statistics)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('');
  const trades = r.trades.slice(0, MAX_TRADE_ROWS);
  const tradeRows = trades
    .map(
      (t, i) =>
        `<tr><td>${i + 1}</td><td>${esc(t.symbol)}</td><td>${t.side}</td><td>${t.quantity}</td><td>${iso(t.entryTime)}</td>` +
        `<td>${t.entryPrice.toFixed(6).replace(/\.?0+$/, '')}</td><td>${iso(t.exitTime)}</td>` +
        `<td>${t.exitPrice.toFixed(6).replace(/\.?0+$/, '')}</td><td class="${t.pnl >= 0 ? 'up' : 'down'}">${t.pnl.toFixed(2)}</td>` +
        `<td>${(t.returnPct * 100).toFixed(3)} %</td><td>${t.commission.toFixed(2)}</td></tr>`,
    )
    .join('');
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const title = `${r.strategy} on ${r.symbols.join(', ')}`;
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.meta{color:#5b6475}
.chart{height:420px;border:1px solid #e3e6ec}#equity{height:320px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eef0f4}
th{text-align:left;font-weight:600}.stats th{width:220px}.up{color:#1b8a3a}.down{color:#c62828}.note{color:#5b6475;font-size:12px}
</style></head><body>
<h1>${esc(title)}</h1>
<div class="meta">${esc(r.timeframe)} bars ${iso(r.firstBarTime)} .. ${iso(r.lastBarEnd)} &middot; ${r.bars} bars &middot; cash ${r.cash} ${esc(r.currency)} &middot; params ${esc(params || '(defaults)')} &middot; fills: ${esc(r.fillModel)}, latency ${r.latencyMs} ms</div>
<h2>Price, entries and exits (${esc(data.symbol)}${data.barsPerCandle > 1 ? `, ${data.barsPerCandle} bars per candle` : ''})</h2>
<div id="price" class="chart"></div>
${data.markersLeftOut > 0 ? `<div class="note">the last ${MAX_MARKERS} fills are marked; ${data.markersLeftOut} earlier ones are in the trade list</div>` : ''}
<h2>Equity and drawdown</h2>
<div id="equity" class="chart"></div>
<h2>Statistics</h2>
<table class="stats">${stats}</table>
<h2>Trades (${r.trades.length}${r.openTrades > 0 ? `, ${r.openTrades} still open at the end` : ''})</h2>
<table><tr><th>#</th><th>symbol</th><th>side</th><th>qty</th><th>entry</th><th>price</th><th>exit</th><th>price</th><th>PnL</th><th>return</th><th>commission</th></tr>${tradeRows}</table>
${r.trades.length > MAX_TRADE_ROWS ? `<div class="note">first ${MAX_TRADE_ROWS} of ${r.trades.length} trades; all are in trades.csv</div>` : ''}
<script id="report-data" type="application/json">${json}</script>
<script>${chartsSource()}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('report-data').textContent);
  var L = LightweightCharts;
  var base = { autoSize: true, layout: { background: { color: '#ffffff' }, textColor: '#1d2330' },
    timeScale: { timeVisible: true, secondsVisible: false }, grid: { vertLines: { color: '#f0f2f5' }, horzLines: { color: '#f0f2f5' } } };
  var price = L.createChart(document.getElementById('price'), base);
  var candles = price.addSeries(L.CandlestickSeries, { upColor: '#1b8a3a', downColor: '#c62828', borderVisible: false,
    wickUpColor: '#1b8a3a', wickDownColor: '#c62828', priceFormat: { type: 'price', precision: 5, minMove: 0.00001 } });
  candles.setData(d.candles);
  L.createSeriesMarkers(candles, d.markers);
  price.timeScale().fitContent();
  var eq = L.createChart(document.getElementById('equity'), base);
  var line = eq.addSeries(L.LineSeries, { color: '#2962ff', lineWidth: 2 });
  line.setData(d.equity);
  var dd = eq.addSeries(L.AreaSeries, { lineColor: '#c62828', topColor: 'rgba(198,40,40,0.05)', bottomColor: 'rgba(198,40,40,0.35)',
    priceFormat: { type: 'custom', formatter: function (v) { return v.toFixed(2) + ' %'; } } }, 1);
  dd.setData(d.drawdown);
  eq.timeScale().fitContent();
  window.__reportReady = true;
})();
</script>
</body></html>
`;
}
