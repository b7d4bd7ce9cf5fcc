/**
 * Backtest reports under one configured root (DASHBOARD_REPORTS_DIR): every directory the CLI's `backtest --out DIR`
 * wrote (result.json and report.html), listed with a summary of its result, and its report.html served.
 *
 * A report is named by its path relative to the root (`6e`, `runs/ma-cross`), never by a path the browser chose:
 * - a requested name is split into segments and each must be a plain name (no `.`/`..`, no separators, no NUL,
 *   nothing hidden), so nothing above the root can be written in it, encoded or not;
 * - the file served must, once every symbolic link is resolved, still lie inside the root's own real path, so a
 *   link placed under the root cannot lead out of it (the listing does not follow links either);
 * - only `report.html` is served, and only from a directory that holds a result.json or a report.html.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

export const REPORT_FILE = 'report.html';
export const RESULT_FILE = 'result.json';

/** How deep below the root report directories are looked for (`out/<run>` and `out/<group>/<run>`, and one more). */
const MAX_DEPTH = 3;
/** Most reports listed (newest first); a root with more says how many it left out. */
const MAX_REPORTS = 500;
/** result.json files larger than this are listed without a summary (candles and orders can make them big). */
const MAX_RESULT_BYTES = 64 * 1024 * 1024;

export class ReportPathError extends Error {
  override readonly name = 'ReportPathError';
}

export interface ReportSummary {
  readonly strategy: string;
  readonly symbols: readonly string[];
  readonly timeframe: string;
  readonly firstBarTime: number | null;
  readonly lastBarEnd: number | null;
  readonly bars: number;
  readonly cash: number;
  readonly currency: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly endEquity: number;
  readonly totalReturn: number;
  readonly sharpe: number | null;
  readonly maxDrawdown: number;
  readonly trades: number;
  readonly winRate: number | null;
  readonly commissions: number;
}

export interface ReportEntry {
  /** Path relative to the root, `/`-separated: the report's name in URLs. */
  readonly id: string;
  /** When the directory's result (or report) was written, epoch ms. */
  readonly modifiedMs: number;
  readonly hasReport: boolean;
  readonly summary?: ReportSummary;
  /** Why there is no summary (no result.json, too large, unreadable). */
  readonly problem?: string;
}

/** Checks a report name from a URL and returns its segments; throws ReportPathError for anything but plain names. */
export function reportSegments(id: string): string[] {
  const segments = id.split('/');
  if (segments.length === 0 || segments.length > MAX_DEPTH)
    throw new ReportPathError(`a report name has 1 to ${MAX_DEPTH} parts`);
  for (const s of segments) {
    // Names the CLI's --out gives in practice; anything else (dots alone, separators, control characters,
    // hidden entries, a Windows drive) is refused rather than interpreted.
    if (!/^[A-Za-z0-9_@+=,-][A-Za-z0-9._@+=,-]{0,127}$/.test(s) || s === '.' || s === '..')
      throw new ReportPathError(`'${s}' is not a plain directory name`);
  }
  return segments;
}

const isInside = (root: string, path: string): boolean => path === root || path.startsWith(root + sep);

/** The real path of `file` if it exists and lies inside the root's real path; undefined if absent. */
async function confined(rootReal: string, file: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw err;
  }
  if (!isInside(rootReal, real)) throw new ReportPathError('the report lies outside the reports directory');
  return real;
}

export class ReportLibrary {
  readonly root: string;
  private readonly summaries = new Map<string, { key: string; summary?: ReportSummary; problem?: string }>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  private async rootReal(): Promise<string | undefined> {
    try {
      return await realpath(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Report directories under the root, newest first; a missing root is an empty list. */
  async list(): Promise<{ root: string; reports: ReportEntry[]; leftOut: number }> {
    const rootReal = await this.rootReal();
    if (rootReal === undefined) return { root: this.root, reports: [], leftOut: 0 };
    const found: ReportEntry[] = [];
    const walk = async (dir: string, rel: string[]): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
      if (rel.length > 0 && (names.has(RESULT_FILE) || names.has(REPORT_FILE)))
        found.push(await this.entry(dir, rel.join('/'), names.has(REPORT_FILE), names.has(RESULT_FILE)));
      if (rel.length >= MAX_DEPTH) return;
      // Directories only, never symbolic links: a link could lead anywhere on the machine.
      for (const e of entries)
        if (e.isDirectory() && !e.name.startsWith('.')) await walk(join(dir, e.name), [...rel, e.name]);
    };
    await walk(rootReal, []);
    found.sort((a, b) => b.modifiedMs - a.modifiedMs);
    return { root: this.root, reports: found.slice(0, MAX_REPORTS), leftOut: Math.max(0, found.length - MAX_REPORTS) };
  }

  /** The real path of a report's report.html; undefined when there is none. Throws ReportPathError on a bad name. */
  async reportFile(id: string): Promise<string | undefined> {
    const segments = reportSegments(id);
    const rootReal = await this.rootReal();
    if (rootReal === undefined) return undefined;
    return confined(rootReal, join(rootReal, ...segments, REPORT_FILE));
  }

  private async entry(dir: string, id: string, hasReport: boolean, hasResult: boolean): Promise<ReportEntry> {
    const file = join(dir, hasResult ? RESULT_FILE : REPORT_FILE);
    const st = await stat(file);
    const base = { id, modifiedMs: Math.round(st.mtimeMs), hasReport };
    if (!hasResult) return { ...base, problem: `no ${RESULT_FILE}` };
    // A result is read once per version of the file (size and time), not at every listing.
    const key = `${st.size}:${st.mtimeMs}`;
    let cached = this.summaries.get(id);
    if (cached?.key !== key) {
      cached = { key, ...(await readSummary(file, st.size)) };
      this.summaries.set(id, cached);
    }
    return {
      ...base,
      ...(cached.summary === undefined ? {} : { summary: cached.summary }),
      ...(cached.problem === undefined ? {} : { problem: cached.problem }),
    };
  }
}

async function readSummary(file: string, size: number): Promise<{ summary?: ReportSummary; problem?: string }> {
  if (size > MAX_RESULT_BYTES) return { problem: `${RESULT_FILE} is larger than ${MAX_RESULT_BYTES} bytes` };
  let text: string;
  const handle = await open(file, 'r');
  try {
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  try {
    return { summary: summarise(JSON.parse(text)) };
  } catch (err) {
    return { problem: `${RESULT_FILE} is not a backtest result: ${(err as Error).message}` };
  }
}

/** The summary row of a backtest result (BacktestResult as the CLI writes it); throws on anything else. */
export function summarise(r: unknown): ReportSummary {
  const o = r as Record<string, unknown> | null;
  const s = (o?.statistics ?? undefined) as Record<string, unknown> | undefined;
  if (typeof o?.strategy !== 'string' || s === undefined || typeof s.endEquity !== 'number')
    throw new Error('no strategy or statistics');
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
  const orNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    strategy: o.strategy,
    symbols: Array.isArray(o.symbols) ? o.symbols.map(String) : [],
    timeframe: String(o.timeframe ?? ''),
    firstBarTime: orNull(o.firstBarTime),
    lastBarEnd: orNull(o.lastBarEnd),
    bars: num(o.bars),
    cash: num(o.cash),
    currency: String(o.currency ?? ''),
    params: (typeof o.params === 'object' && o.params !== null ? o.params : {}) as Record<string, unknown>,
    endEquity: num(s.endEquity),
    totalReturn: num(s.totalReturn),
    sharpe: orNull(s.sharpe),
    maxDrawdown: num(s.maxDrawdown),
    trades: num(s.trades),
    winRate: orNull(s.winRate),
    commissions: num(s.commissions),
  };
}
