/**
 * The paper/live guard of IB connections, pure: a connection is declared paper (the default) or live, and what it
 * points at must agree before anything is sent. Checked when the gateway's configuration is loaded, when a
 * connection is added at run time (addBroker), and by the embedded runtime's configuration; the session itself
 * is checked on connect too (connection.ts: a paper connection refuses a session that manages live accounts).
 */
import { ContractError, type IbConnectionConfig } from '@trading-system/contracts';

const LIVE_PORTS = new Set([7496, 4001]);
const PAPER_PORTS = new Set([7497, 4002]);

/**
 * Why `port` contradicts the declared mode (7496/4001 are IB's live ports, 7497/4002 its paper ones), or undefined.
 * Other ports (a proxy, ib-sim) are not judged here: the session's accounts are checked on connect.
 */
export function ibPortMismatch(port: number, paper: boolean): string | undefined {
  if (paper && LIVE_PORTS.has(port))
    return `${port} is a live-trading port but the connection is declared paper; use 7497 (TWS) / 4002 (IB Gateway) or declare live trading`;
  if (!paper && PAPER_PORTS.has(port)) return `${port} is a paper-trading port but the connection is declared live`;
  return undefined;
}

/** Whether IB accounts are paper ones: IB's paper accounts start with D (DU individual, DF advisor), live ones do not. */
export function isPaperAccount(account: string): boolean {
  return account.startsWith('D');
}

/** Refuses (VALIDATION_FAILED) a connection whose port contradicts its declared mode, before it is opened. */
export function assertPaperGuard(name: string, c: IbConnectionConfig): void {
  const why = ibPortMismatch(c.port, c.paper);
  if (why !== undefined) throw new ContractError('VALIDATION_FAILED', `broker ${name}: ${why}`);
}
