// Backtest reports: the runs under the dashboard's reports directory (DASHBOARD_REPORTS_DIR), each a directory the
// CLI's `backtest --out DIR` wrote, with a summary of its result.json and a link to its report.html. Files on disk
// send no events: the list is read when the page opens and when the operator asks again.

const pct = (v) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : '');
const fixed = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '');
const day = (ms) => (typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '');

async function loadReports() {
  const { root, reports, leftOut } = await getJson('/api/reports');
  document.querySelector('#reports-root').textContent =
    `${root}${leftOut ? ` (newest ${reports.length} shown, ${leftOut} more)` : ''}`;
  fill(
    document.querySelector('#reports tbody'),
    reports.map((r) => {
      const name = document.createElement('td');
      if (r.hasReport) {
        const a = document.createElement('a');
        a.href = `/reports/${r.id.split('/').map(encodeURIComponent).join('/')}/report.html`;
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = r.id;
        a.className = 'report-link';
        name.append(a);
      } else name.textContent = r.id;
      const s = r.summary;
      if (!s) {
        const why = cell(r.problem || '', 'reason');
        why.colSpan = 11;
        return row([name, cell(day(r.modifiedMs)), why], { 'data-report': r.id });
      }
      return row(
        [
          name,
          cell(day(r.modifiedMs)),
          cell(s.strategy),
          cell(s.symbols.join(', ')),
          cell(s.timeframe),
          cell(`${day(s.firstBarTime)} .. ${day(s.lastBarEnd)}`),
          cell(s.bars, 'num'),
          cell(fixed(s.endEquity), 'num'),
          cell(pct(s.totalReturn), `num ${s.totalReturn >= 0 ? 'up' : 'down'}`),
          cell(fixed(s.sharpe), 'num'),
          cell(pct(s.maxDrawdown), 'num'),
          cell(s.trades, 'num'),
          cell(pct(s.winRate), 'num'),
        ],
        { 'data-report': r.id },
      );
    }),
    13,
  );
}

// biome-ignore lint/correctness/noUnusedVariables: called by app.js (the page's scripts share its global scope)
function initReports() {
  document.querySelector('#reports-refresh').addEventListener('click', () => {
    loadReports().catch((err) => console.error(err));
  });
  return loadReports();
}
