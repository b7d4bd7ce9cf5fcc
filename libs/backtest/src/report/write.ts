/** Writes a result to a directory: result.json, the CSV tables and report.html. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestResult } from '../engine.js';
import { resultCsvFiles } from './format.js';
import { renderHtmlReport } from './html.js';

export function writeResult(dir: string, r: BacktestResult): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'result.json': `${JSON.stringify(r, null, 1)}\n`,
    ...resultCsvFiles(r),
    'report.html': renderHtmlReport(r),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files).map((f) => join(dir, f));
}
