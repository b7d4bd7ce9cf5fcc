/**
 * gateway-ib as a child process (`node --import tsx src/main.ts`: one process, so SIGKILL really kills the
 * gateway and nothing else), talking to a test's ib-sim over TCP and to the test NATS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Bus } from '@trading-system/bus';
import { type BrokerStatusReply, Subjects } from '@trading-system/contracts';
import { expect } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
  /** SIGKILL; resolves once the process is gone. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export function spawnGateway(env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway-ib/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = async (s: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
    await exited;
  };
  return { child, output, exited, kill9: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** Polls `broker.<broker>.cmd.status` until the gateway answers with a connected session; returns that status. */
export async function waitConnected(bus: Bus, broker: string, timeoutMs = 20_000): Promise<BrokerStatusReply> {
  const subject = Subjects.brokerCommand.build({ broker, verb: 'status' });
  let last: BrokerStatusReply | undefined;
  await expect
    .poll(
      async () => {
        try {
          last = await bus.request<BrokerStatusReply>(subject, { v: 1 }, { timeoutMs: 1_000 });
          return last.ok ? last.status.state : 'no status';
        } catch {
          return 'not answering';
        }
      },
      { timeout: timeoutMs, interval: 100 },
    )
    .toBe('connected');
  return last as BrokerStatusReply;
}
