/**
 * Plain-text tables for people: a header, a rule, one line per row; columns padded to their widest cell, numbers
 * (and decimal strings) right-aligned. Pure.
 */

export interface Column<R> {
  readonly header: string;
  readonly value: (row: R) => string | number | boolean | undefined;
  /** Default: right for numbers and numeric strings, left otherwise. */
  readonly align?: 'left' | 'right';
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

function cell(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  return String(v);
}

export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)));
  const right = columns.map(
    (c, i) =>
      c.align === 'right' ||
      (c.align === undefined && cells.length > 0 && cells.every((row) => row[i] === '' || NUMERIC.test(row[i] ?? ''))),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return (
    [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n'
  );
}

/** `key  value` lines, keys padded: for one record (an account, a status). */
export function renderRecord(entries: ReadonlyArray<readonly [string, string | number | boolean | undefined]>): string {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`.trimEnd()).join('\n') + '\n';
}

/** `2026-11-24 14:30:00` in UTC (the CLI prints every time in UTC, like the CSV export). */
export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');
}
