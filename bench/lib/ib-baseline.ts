/**
 * The baseline: a bare @stoqey/ib client in the bench process, talking to the same ib-sim as the system, with
 * nothing of ours in between. What the system adds is measured against it.
 */
import { type Contract, EventName, IBApi } from '@stoqey/ib';
import { BenchSetupError } from './infra.js';

export interface BareClient {
  readonly ib: IBApi;
  /** First order id the session may use. */
  readonly nextOrderId: number;
  /** IB error codes seen, with counts (e.g. 100 = message rate exceeded). */
  readonly errors: Map<number, number>;
  close(): void;
}

export function connectBare(port: number, clientId: number, timeoutMs = 15_000): Promise<BareClient> {
  // maxReqPerSec as gateway-ib configures it: the library paces what it sends at IB's 50 msg/s.
  const ib = new IBApi({ host: '127.0.0.1', port, maxReqPerSec: 50 });
  const errors = new Map<number, number>();
  const count = (code: number): void => void errors.set(code, (errors.get(code) ?? 0) + 1);
  ib.on(EventName.error, (_err: Error, code: number) => count(code));
  // A code for no request (id -1: error 100 among them) arrives as `info`, not `error` (@stoqey/ib's decoder).
  ib.on(EventName.info, (_message: string, code: number) => count(code));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ib.disconnect();
      reject(new BenchSetupError(`bare IB client: no nextValidId within ${timeoutMs} ms`));
    }, timeoutMs);
    ib.once(EventName.nextValidId, (orderId: number) => {
      clearTimeout(timer);
      resolve({ ib, nextOrderId: orderId, errors, close: () => ib.disconnect() });
    });
    ib.connect(clientId);
  });
}

export const AAPL_CONID = 265598;
export const aaplContract: Contract = { conId: AAPL_CONID, exchange: 'SMART' };
