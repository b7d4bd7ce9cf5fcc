// The candlestick chart (TradingView Lightweight Charts, served by the dashboard itself from /vendor/): the bars of a
// series from the history service (/api/bars: its cache, back-filled from the broker unless "cache only"), then
// live on the chart's own event stream (/api/bars/live): a completed bar from market-data replaces the one forming,
// and between two completed bars the chart's ticks move the forming one. The user's fills of the series are marked
// on the candle they fell in. Loaded before app.js, which calls chartFillsChanged() when its fills change.

const chart = {
  api: undefined,
  series: undefined,
  markers: undefined,
  source: undefined,
  broker: '',
  symbol: '',
  tfSec: 0,
  /** Candles drawn, oldest first: { time (s), open, high, low, close }. */
  candles: [],
  /** End (s) of the last completed bar: where the next one starts when bars are contiguous. */
  completedEnd: 0,
  liveBars: 0,
  ticks: 0,
  generation: 0,
};

const TF_UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function timeframeSeconds(token) {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(token || '');
  return m ? Number(m[1]) * TF_UNITS[m[2]] : 0;
}

const toCandle = (b) => ({
  time: b.t / 1000,
  open: Number(b.o),
  high: Number(b.h),
  low: Number(b.l),
  close: Number(b.c),
});

function chartStatus(text) {
  const el = document.querySelector('#chart-status');
  el.textContent = text;
  el.dataset.candles = String(chart.candles.length);
  el.dataset.liveBars = String(chart.liveBars);
  el.dataset.ticks = String(chart.ticks);
  const last = chart.candles[chart.candles.length - 1];
  el.dataset.lastTime = last ? String(last.time) : '';
  el.dataset.lastClose = last ? String(last.close) : '';
}

function chartSummary() {
  const last = chart.candles[chart.candles.length - 1];
  return (
    `${chart.symbol} on ${chart.broker}: ${chart.candles.length} candles` +
    (last ? `, last ${new Date(last.time * 1000).toISOString().replace('.000Z', 'Z')} close ${last.close}` : '') +
    ` · live bars ${chart.liveBars}`
  );
}

function ensureChart() {
  if (chart.api) return;
  const L = window.LightweightCharts;
  chart.api = L.createChart(document.querySelector('#chart'), {
    autoSize: true,
    layout: { background: { color: '#1b2027' }, textColor: '#d8dde3' },
    grid: { vertLines: { color: '#262c35' }, horzLines: { color: '#262c35' } },
    timeScale: { timeVisible: true, secondsVisible: true },
  });
  chart.series = chart.api.addSeries(L.CandlestickSeries, {
    upColor: '#4caf7a',
    downColor: '#e0605e',
    borderVisible: false,
    wickUpColor: '#4caf7a',
    wickDownColor: '#e0605e',
  });
  chart.markers = L.createSeriesMarkers(chart.series, []);
}

/** Draws (or replaces) the last candle; a candle older than the last drawn one is not drawn (the library refuses it). */
function putCandle(c) {
  const last = chart.candles[chart.candles.length - 1];
  if (last && c.time < last.time) return false;
  chart.series.update(c);
  if (last && last.time === c.time) chart.candles[chart.candles.length - 1] = c;
  else chart.candles.push(c);
  return true;
}

/**
 * A completed bar: market-data completes a bar at the first tick past its end, and that tick reaches the page
 * first, so the bar usually replaces the candle before the forming one (the library's historical update).
 */
function putCompleted(c) {
  const last = chart.candles[chart.candles.length - 1];
  if (!last || c.time >= last.time) return putCandle(c);
  let i = chart.candles.length - 1;
  while (i >= 0 && chart.candles[i].time > c.time) i--;
  if (i >= 0 && chart.candles[i].time === c.time) {
    chart.candles[i] = c;
    chart.series.update(c, true);
  } else {
    // A bar no tick had opened on the page: placed in order, the series drawn again (rare).
    chart.candles.splice(i + 1, 0, c);
    chart.series.setData(chart.candles);
  }
  return true;
}

function onLiveBar(b) {
  const c = toCandle(b);
  if (putCompleted(c)) {
    chart.liveBars++;
    chart.completedEnd = Math.max(chart.completedEnd, b.end / 1000);
    drawChartMarkers();
  }
  chartStatus(chartSummary());
}

function onLiveTick(t) {
  // Daily and longer bars start at the session's open, not at a multiple of their length: no forming bar for them.
  if (!chart.tfSec || chart.tfSec >= 86400) return;
  const sec = t.t / 1000;
  const price = Number(t.last);
  const start =
    chart.completedEnd && sec >= chart.completedEnd && sec < chart.completedEnd + chart.tfSec
      ? chart.completedEnd
      : Math.floor(sec / chart.tfSec) * chart.tfSec;
  const last = chart.candles[chart.candles.length - 1];
  // Older than the last candle, or inside a bar already completed: nothing to move.
  if (last && (start < last.time || (start === last.time && start < chart.completedEnd))) return;
  chart.ticks++;
  const forming =
    last && last.time === start
      ? { ...last, high: Math.max(last.high, price), low: Math.min(last.low, price), close: price }
      : { time: start, open: price, high: price, low: price, close: price };
  putCandle(forming);
  chartStatus(chartSummary());
}

/** The candle a time (ms) falls in: the last one starting at or before it; undefined before the first. */
function candleTimeOf(ms) {
  const s = ms / 1000;
  let lo = 0;
  let hi = chart.candles.length - 1;
  let found;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (chart.candles[mid].time <= s) {
      found = chart.candles[mid].time;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function drawChartMarkers() {
  if (!chart.markers) return;
  const fills = [...state.fills.values()]
    .filter((f) => f.broker === chart.broker && f.symbol === chart.symbol)
    .sort((a, b) => a.timeMs - b.timeMs);
  const markers = [];
  for (const f of fills) {
    const time = candleTimeOf(f.timeMs);
    if (time === undefined) continue;
    const buy = f.side === 'BUY';
    markers.push({
      time,
      position: buy ? 'belowBar' : 'aboveBar',
      color: buy ? '#4caf7a' : '#e0605e',
      shape: buy ? 'arrowUp' : 'arrowDown',
      text: `${buy ? 'B' : 'S'} ${f.quantity} @ ${f.price}`,
    });
  }
  chart.markers.setMarkers(markers);
  const list = document.querySelector('#chart-fills');
  list.dataset.markers = String(markers.length);
  list.textContent = markers.length
    ? `fills marked: ${markers.map((m) => m.text).join(', ')}`
    : 'no fills of this series';
}

// Called by app.js whenever its fills change.
// biome-ignore lint/correctness/noUnusedVariables: called by app.js (the page's scripts share its global scope)
function chartFillsChanged() {
  drawChartMarkers();
}

async function showChart(form) {
  const generation = ++chart.generation;
  chart.source?.close();
  chart.source = undefined;
  document.querySelector('#chart-live').textContent = '';
  ensureChart();
  const params = new URLSearchParams();
  for (const name of ['broker', 'symbol', 'timeframe', 'duration']) params.set(name, form.get(name) || '');
  const end = form.get('end');
  if (end) params.set('end', new Date(end.endsWith('Z') ? end : `${end}Z`).toISOString());
  if (form.get('cachedOnly')) params.set('cachedOnly', 'true');
  chartStatus('loading…');
  const res = await fetch(`/api/bars?${params}`);
  const body = await res.json();
  if (generation !== chart.generation) return; // another series was asked for meanwhile
  if (!res.ok) {
    chartStatus(`${body.code}: ${body.message}`);
    return;
  }
  chart.broker = body.broker;
  chart.symbol = body.symbol;
  chart.tfSec = timeframeSeconds(body.timeframe);
  chart.candles = body.bars.map(toCandle);
  chart.completedEnd = body.bars.length ? body.bars[body.bars.length - 1].end / 1000 : 0;
  chart.liveBars = 0;
  chart.ticks = 0;
  chart.series.setData(chart.candles);
  chart.api.timeScale().fitContent();
  drawChartMarkers();
  const missing = body.partial ? ` · partial: ${body.missing.map((m) => m.message).join('; ')}` : '';
  chartStatus(chartSummary() + missing);
  if (body.instrumentId === undefined) {
    // Nothing came back to name the instrument by (an empty cache): no live stream to open for it.
    document.querySelector('#chart-live').textContent = 'no live bars: the instrument is unknown (nothing cached)';
    return;
  }
  const live = new URLSearchParams({ broker: body.broker, instrumentId: body.instrumentId, timeframe: body.timeframe });
  const source = new EventSource(`/api/bars/live?${live}`);
  chart.source = source;
  source.addEventListener('bar', (e) => onLiveBar(JSON.parse(e.data)));
  source.addEventListener('tick', (e) => onLiveTick(JSON.parse(e.data)));
  source.addEventListener('ready', () => {
    document.querySelector('#chart-live').textContent = `live ${body.timeframe}`;
  });
  source.addEventListener('problem', (e) => {
    document.querySelector('#chart-live').textContent = `no live bars: ${JSON.parse(e.data).message}`;
  });
}

// biome-ignore lint/correctness/noUnusedVariables: called by app.js (the page's scripts share its global scope)
function initChart(config) {
  const form = document.querySelector('#chart-form');
  form.querySelector('[name=symbol]').value = config.watchlist[0] || 'AAPL';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showChart(new FormData(form)).catch((err) => chartStatus(`failed: ${err.message}`));
  });
}
