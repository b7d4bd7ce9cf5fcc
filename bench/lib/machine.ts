/**
 * What a result was measured on: machine, load, runtimes, server versions and the git revision. Recorded with
 * every scenario, because on a shared 2-core machine the load average explains more than the code does.
 */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import os from 'node:os';
import { createDatabase, sql } from '@trading-system/storage';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly natsServer: string;
  readonly postgres: string;
  readonly gitRevision: string;
  readonly gitDirty: boolean;
}

export type LoadAverage = readonly [number, number, number];

export const loadAverage = (): LoadAverage => {
  const [a = 0, b = 0, c = 0] = os.loadavg();
  return [round2(a), round2(b), round2(c)];
};

const round2 = (x: number): number => Math.round(x * 100) / 100;

function git(args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The server's version from its INFO line (the first thing a NATS server sends on connect). */
export function natsServerVersion(url: string): Promise<string> {
  const u = new URL(url.replace(/^nats:/, 'http:'));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 4222) });
    let buf = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no INFO from ${url} within 2 s`));
    }, 2_000);
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\r\n')[0];
      if (line === undefined || !buf.includes('\r\n')) return;
      clearTimeout(timer);
      socket.destroy();
      const info = JSON.parse(line.replace(/^INFO\s+/, '')) as { version?: string };
      resolve(info.version ?? 'unknown');
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function postgresVersion(url: string): Promise<string> {
  const database = await createDatabase<unknown>({ kind: 'pg', url, poolMax: 1 });
  try {
    const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(database.db);
    return rows[0]?.v ?? 'unknown';
  } finally {
    await database.close();
  }
}

export async function machineInfo(natsUrl: string, databaseUrl: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: round2(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    natsServer: await natsServerVersion(natsUrl),
    postgres: await postgresVersion(databaseUrl),
    gitRevision: git(['rev-parse', 'HEAD']),
    gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}
