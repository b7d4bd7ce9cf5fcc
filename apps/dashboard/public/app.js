// The dashboard page: plain script, no build step. It reads the starting picture from the JSON endpoints, then
// lives on the server's event stream (/api/events): quotes and broker statuses are drawn as they arrive; an order
// event (a commission aside) redraws the blotter from /api/orders, a fill adds its row and reads positions and
// account again. Nothing is polled on a timer except positions and account values every 30 s, whose prices move
// without an event here. The chart (chart.js) and the backtest reports (reports.js) are loaded before this file.

const $ = (sel) => document.querySelector(sel);
// symbols: order id → symbol, from `accepted` events (a fill event does not name its instrument).
const state = { trading: false, brokers: new Map(), quotes: new Map(), fills: new Map(), symbols: new Map() };

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.message || `${res.status}`);
  return body;
}

async function postJson(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

function cell(text, cls, title) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (cls) td.className = cls;
  if (title) td.title = title;
  return td;
}

function row(cells, attrs = {}) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  for (const c of cells) tr.append(c);
  return tr;
}

function fill(tbody, rows, columns) {
  tbody.replaceChildren(...(rows.length ? rows : [row([cell('none', 'empty')])]));
  if (!rows.length) tbody.firstChild.firstChild.colSpan = columns;
}

const fmtTime = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');
const fmtNum = (n) => (n === undefined || n === null ? '' : String(n));

// Coalesces refreshes: one read in flight per view, one more if events arrived meanwhile.
function refresher(load) {
  let running = false;
  let again = false;
  return async function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await load();
      } while (again);
    } catch (err) {
      console.error(err);
    } finally {
      running = false;
    }
  };
}

function drawBrokers() {
  const rows = [...state.brokers.values()].map((b) =>
    row(
      [
        cell(b.broker),
        cell(b.state, `state-${b.state}`),
        cell((b.accounts || []).join(', ')),
        cell((b.feeds || []).map((f) => `${f.name}:${f.state}`).join(' ')),
        cell(`${fmtNum(b.linesUsed ?? '?')} / ${fmtNum(b.linesBudget ?? '?')}`, 'num lines'),
        pacingCell(b),
        cell(b.historyBudget ? `${b.historyBudget.max} per ${Math.round(b.historyBudget.windowMs / 60000)} min` : ''),
        cell(b.notice ? `${b.notice.kind} (${b.notice.code}) ${b.notice.message}` : '', '', b.notice?.hint),
      ],
      { 'data-broker': b.broker },
    ),
  );
  fill($('#brokers tbody'), rows, 8);
  for (const select of [$('#ticket-broker'), $('#chart-broker')]) {
    const chosen = select.value;
    select.replaceChildren(
      ...[...state.brokers.values()].map((b) => {
        const o = document.createElement('option');
        o.textContent = b.broker;
        return o;
      }),
    );
    if (chosen) select.value = chosen;
  }
}

function pacingCell(b) {
  if (b.pacing) return cell(`${b.pacing.queued} / ${b.pacing.open}`, 'num pacing');
  const c = cell(b.pacingProblem ? 'n/a' : '', 'num pacing');
  if (b.pacingProblem) c.title = b.pacingProblem;
  return c;
}

function drawQuote(q) {
  const key = `${q.broker}:${q.symbol}`;
  const prev = state.quotes.get(key);
  state.quotes.set(key, q);
  const tbody = $('#quotes tbody');
  let tr = tbody.querySelector(`tr[data-quote="${CSS.escape(key)}"]`);
  const cells = q.error
    ? [cell(q.broker), cell(q.symbol), cell(q.error, 'reason')]
    : [
        cell(q.broker),
        cell(q.symbol),
        cell(fmtNum(q.bid), 'num bid'),
        cell(fmtNum(q.ask), 'num ask'),
        cell(
          fmtNum(q.last),
          `num last${prev && prev.last !== undefined && q.last !== undefined ? (q.last > prev.last ? ' up' : q.last < prev.last ? ' down' : '') : ''}`,
        ),
        cell(fmtTime(q.timeMs), 'time'),
      ];
  if (q.error) cells[2].colSpan = 4;
  if (!tr) {
    tbody.querySelector('td.empty')?.parentElement.remove();
    tr = row([], { 'data-quote': key });
    tbody.append(tr);
  }
  tr.replaceChildren(...cells);
}

const SECTIONS = [
  ['working', 'Working'],
  ['filled', 'Filled'],
  ['cancelled', 'Cancelled / expired'],
  ['denied', 'Denied / rejected'],
];

async function loadOrders() {
  const { orders } = await getJson('/api/orders');
  const root = $('#blotter');
  root.replaceChildren();
  for (const [section, title] of SECTIONS) {
    const list = orders.filter((o) => o.section === section);
    const h = document.createElement('h3');
    h.textContent = `${title} (${list.length})`;
    const table = document.createElement('table');
    table.id = `blotter-${section}`;
    const tbody = document.createElement('tbody');
    table.append(tbody);
    fill(
      tbody,
      list.map((o) => {
        const cells = [
          cell(o.broker),
          cell(o.side),
          cell(o.symbol),
          cell(o.quantity, 'num'),
          cell(o.orderType === 'LMT' ? `LMT ${o.limitPrice}` : o.orderType),
          cell(o.status, 'status'),
          cell(o.filledQuantity === '0' ? '' : `${o.filledQuantity} @ ${o.avgFillPrice || ''}`, 'num'),
          cell(o.reason || '', 'reason'),
        ];
        if (state.trading && section === 'working') {
          const td = document.createElement('td');
          const b = document.createElement('button');
          b.textContent = 'Cancel';
          b.className = 'cancel';
          b.addEventListener('click', async () => {
            b.disabled = true;
            const r = await postJson(`/api/orders/${encodeURIComponent(o.orderId)}/cancel`, {});
            if (!r.ok) showResult(false, `${r.code}: ${r.message}`);
          });
          td.append(b);
          cells.push(td);
        }
        return row(cells, { 'data-order-id': o.orderId });
      }),
      8,
    );
    root.append(h, table);
  }
}

function drawFills() {
  const rows = [...state.fills.values()]
    .sort((a, b) => b.timeMs - a.timeMs)
    .map((f) =>
      row(
        [
          cell(fmtTime(f.timeMs)),
          cell(f.broker),
          cell(f.side),
          cell(f.symbol),
          cell(f.quantity, 'num'),
          cell(f.price, 'num'),
          cell(f.commission, 'num'),
          cell(f.orderId, 'order-id'),
        ],
        { 'data-exec-id': f.execId },
      ),
    );
  fill($('#fills tbody'), rows, 8);
  chartFillsChanged();
}

async function loadFills() {
  const { fills } = await getJson('/api/fills');
  for (const t of fills) {
    state.fills.set(t.execId, {
      execId: t.execId,
      timeMs: Date.parse(t.time),
      broker: t.broker,
      orderId: t.orderId,
      side: t.side,
      symbol: t.symbol,
      quantity: t.exact.quantity,
      price: t.exact.price,
      commission: t.exact.commission,
    });
  }
  drawFills();
}

async function loadPositions() {
  const { positions, aggregated } = await getJson('/api/positions');
  const open = positions.filter((p) => Number(p.quantity) !== 0);
  fill(
    $('#positions tbody'),
    open.map((p) =>
      row(
        [
          cell(p.broker),
          cell(p.account),
          cell(p.symbol),
          cell(p.quantity, 'num qty'),
          cell(p.avgCost, 'num'),
          cell(p.marketPrice, 'num'),
          cell(p.unrealizedPnl, 'num'),
        ],
        { 'data-position': `${p.broker}:${p.symbol}` },
      ),
    ),
    7,
  );
  fill(
    $('#positions-all tbody'),
    aggregated.map((p) =>
      row(
        [
          cell(p.symbol),
          cell(p.quantity, 'num qty'),
          cell(p.marketValue, 'num'),
          cell(p.unrealizedPnl, 'num'),
          cell(p.brokers.join(', ')),
        ],
        { 'data-position': p.symbol },
      ),
    ),
    5,
  );
}

async function loadAccount() {
  const { accounts, aggregated } = await getJson('/api/account');
  fill(
    $('#account tbody'),
    accounts.map((a) =>
      row([
        cell(a.broker),
        cell(a.account),
        cell(a.netLiquidation, 'num'),
        cell(a.totalCashValue, 'num'),
        cell(a.buyingPower, 'num'),
        cell(a.pnl?.unrealizedPnl, 'num'),
      ]),
    ),
    6,
  );
  fill(
    $('#account-all tbody'),
    aggregated.map((a) =>
      row([
        cell(a.currency),
        cell(a.accounts, 'num'),
        cell(a.netLiquidation, 'num'),
        cell(a.totalCashValue, 'num'),
        cell(a.buyingPower, 'num'),
        cell(a.unrealizedPnl, 'num'),
      ]),
    ),
    6,
  );
}

const refreshOrders = refresher(loadOrders);
const refreshPositions = refresher(loadPositions);
const refreshAccount = refresher(loadAccount);

function showResult(ok, text) {
  const el = $('#ticket-result');
  el.className = ok ? 'ok' : 'denied';
  el.textContent = text;
}

function onOrderEvent(ev) {
  // A commission changes nothing the blotter shows (it lands on the fill): no need to read every order again.
  if (ev.kind !== 'commission') refreshOrders();
  if (ev.kind === 'filled' || ev.kind === 'partiallyFilled') {
    const prev = state.fills.get(ev.execId);
    state.fills.set(ev.execId, {
      execId: ev.execId,
      timeMs: ev.tsEventMs,
      broker: ev.broker,
      orderId: ev.clientOrderId,
      side: ev.side,
      symbol: prev?.symbol || state.symbols.get(ev.clientOrderId) || '',
      quantity: ev.quantity,
      price: ev.price,
      commission: ev.commission ?? prev?.commission,
    });
    drawFills();
    refreshPositions();
    refreshAccount();
  } else if (ev.kind === 'commission') {
    const f = state.fills.get(ev.execId);
    if (f) {
      f.commission = ev.commission;
      drawFills();
    }
    refreshPositions();
  } else if (ev.kind === 'accepted') {
    state.symbols.set(ev.clientOrderId, ev.instrument.localSymbol || ev.instrument.symbol);
  }
}

function connectEvents() {
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    $('#link').textContent = 'live';
    $('#link').className = 'up';
    // Anything missed while disconnected: read the views again once.
    refreshOrders();
    refreshPositions();
    refreshAccount();
  });
  source.addEventListener('error', () => {
    $('#link').textContent = 'reconnecting…';
    $('#link').className = '';
  });
  source.addEventListener('broker', (e) => {
    const b = JSON.parse(e.data);
    state.brokers.set(b.broker, b);
    drawBrokers();
  });
  source.addEventListener('quote', (e) => drawQuote(JSON.parse(e.data)));
  source.addEventListener('order', (e) => onOrderEvent(JSON.parse(e.data)));
}

async function main() {
  const config = await getJson('/api/config');
  state.trading = config.trading;
  $('#mode').textContent = config.trading ? 'trading ON' : 'view only';
  if (config.trading) {
    $('#ticket-panel').hidden = false;
    $('#ticket').addEventListener('submit', async (e) => {
      e.preventDefault();
      const form = new FormData(e.target);
      const body = Object.fromEntries(form.entries());
      if (body.orderType !== 'LMT' || body.limitPrice === '') delete body.limitPrice;
      showResult(true, 'sending…');
      const r = await postJson('/api/orders', body);
      if (r.ok) showResult(true, `${r.order.orderId}: ${r.order.status}`);
      else showResult(false, `${r.code}: ${r.message}`);
      refreshOrders();
    });
  }
  const { brokers } = await getJson('/api/brokers');
  for (const b of brokers) state.brokers.set(b.broker, b);
  drawBrokers();
  fill($('#quotes tbody'), [], 6);
  initChart(config);
  initReports().catch((err) => console.error(err));
  connectEvents();
  await loadFills().catch((err) => console.error(err));
  setInterval(() => {
    refreshPositions();
    refreshAccount();
  }, 30_000);
}

main().catch((err) => {
  $('#link').textContent = `failed: ${err.message}`;
});
