/**
 * Top self-time functions of V8 CPU profiles: `tsx bench/profile-summary.ts <dir or .cpuprofile>... [--top N]`.
 * Self time of a function = the sampling intervals whose top frame is it. `(idle)` is shown apart: it is the
 * process waiting (I/O, timers), not work.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './lib/procs.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

const label = (f: CallFrame): string => {
  const where = f.url === '' ? '' : ` ${relative(ROOT, f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}`;
  return `${f.functionName || '(anonymous)'}${where}`;
};

/** Where code lives: a workspace package, an npm package, node internals, or V8 itself. */
const area = (url: string): string => {
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg?.[1] !== undefined) return pkg[1];
  const own = /\/(services|libs|bench)\/([^/]+)/.exec(path);
  if (own !== null) return `${own[1]}/${own[2]}`;
  if (path.startsWith('node:')) return 'node internals';
  return path === '' ? '(v8 / native)' : 'other';
};

export function summarise(
  profile: CpuProfile,
  top: number,
): { totalMs: number; idleMs: number; rows: SelfTime[]; areas: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] ?? -1);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (node === undefined) continue;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const a = area(node.callFrame.url);
    byArea.set(a, (byArea.get(a) ?? 0) + dt);
  }
  const busy = Math.max(total - idle, 1e-9);
  const ranked = (m: Map<string, number>, n: number): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: Math.round(ms * 10) / 10, share: Math.round((1000 * ms) / busy) / 10 }));
  return { totalMs: Math.round(total), idleMs: Math.round(idle), rows: ranked(self, top), areas: ranked(byArea, 8) };
}

function files(paths: readonly string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(p, f))
      : [p],
  );
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 15;
const paths = args.filter((_, i) => i !== topAt && i !== topAt + 1);
if (paths.length === 0) {
  process.stderr.write('usage: tsx bench/profile-summary.ts <dir|file.cpuprofile>... [--top N]\n');
  process.exit(2);
}
for (const file of files(paths)) {
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top);
  process.stdout.write(
    `\n${file}: ${s.totalMs} ms sampled, ${s.totalMs - s.idleMs} ms busy (${s.idleMs} ms idle)\n` +
      `  by area: ${s.areas.map((a) => `${a.name} ${a.share}%`).join(', ')}\n` +
      s.rows.map((r) => `  ${String(r.ms).padStart(9)} ms ${String(r.share).padStart(5)}%  ${r.name}`).join('\n') +
      '\n',
  );
}
