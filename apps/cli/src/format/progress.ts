/**
 * The progress line of long history downloads: `[########------------]  12/40 requests  30%  ETA 1m 20s`. Pure;
 * the caller redraws it on stderr (carriage return, TTY only) and ends it with a newline.
 */

export interface ProgressState {
  readonly done: number;
  readonly total: number;
  /** The service's estimate (pacing included), when it gave one. */
  readonly etaMs?: number | undefined;
  /** Time since the download started, for an estimate of our own when the service gives none. */
  readonly elapsedMs: number;
}

/** `1h 02m`, `3m 05s`, `42s`, `0s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Remaining time: the service's estimate, else the average pace so far; undefined before anything is done. */
export function estimateRemainingMs(p: ProgressState): number | undefined {
  if (p.etaMs !== undefined) return p.etaMs;
  if (p.done <= 0 || p.total <= 0) return undefined;
  return (p.elapsedMs / p.done) * Math.max(0, p.total - p.done);
}

export function renderProgress(p: ProgressState, width = 24): string {
  const fraction = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const remaining = estimateRemainingMs(p);
  const eta = remaining === undefined ? 'ETA --' : `ETA ${formatDuration(remaining)}`;
  return `${bar} ${p.done}/${p.total} requests ${pct}  ${eta}  elapsed ${formatDuration(p.elapsedMs)}`;
}
