/**
 * Fans IB's order/account callbacks out to every registered listener of one connection; a listener that throws
 * is reported and the others still run.
 */
import type { IbStreamEvents } from './ib-port.js';

export function streamRouter(
  ls: ReadonlyArray<Partial<IbStreamEvents>>,
  seen: () => void,
  onError: (err: unknown, event: string) => void,
): IbStreamEvents {
  const each = <K extends keyof IbStreamEvents>(
    key: K,
    call: (fn: NonNullable<Partial<IbStreamEvents>[K]>) => void,
  ) => {
    seen();
    for (const l of [...ls]) {
      const fn = l[key];
      if (fn === undefined) continue;
      try {
        call(fn as NonNullable<Partial<IbStreamEvents>[K]>);
      } catch (err) {
        onError(err, key);
      }
    }
  };
  return {
    onOpenOrder: (id, c, o, st) => each('onOpenOrder', (f) => f(id, c, o, st)),
    onOpenOrderEnd: () => each('onOpenOrderEnd', (f) => f()),
    onOrderStatus: (u) => each('onOrderStatus', (f) => f(u)),
    onExecDetails: (reqId, c, e) => each('onExecDetails', (f) => f(reqId, c, e)),
    onExecDetailsEnd: (reqId) => each('onExecDetailsEnd', (f) => f(reqId)),
    onCommissionReport: (r) => each('onCommissionReport', (f) => f(r)),
    onCompletedOrder: (c, o, st) => each('onCompletedOrder', (f) => f(c, o, st)),
    onCompletedOrdersEnd: () => each('onCompletedOrdersEnd', (f) => f()),
    onPosition: (a, c, pos, avg) => each('onPosition', (f) => f(a, c, pos, avg)),
    onPositionEnd: () => each('onPositionEnd', (f) => f()),
    onAccountSummary: (reqId, a, tag, v, ccy) => each('onAccountSummary', (f) => f(reqId, a, tag, v, ccy)),
    onAccountSummaryEnd: (reqId) => each('onAccountSummaryEnd', (f) => f(reqId)),
    onPnl: (reqId, d, u, r) => each('onPnl', (f) => f(reqId, d, u, r)),
    onAccountValue: (k, v, ccy, a) => each('onAccountValue', (f) => f(k, v, ccy, a)),
    onAccountDownloadEnd: (a) => each('onAccountDownloadEnd', (f) => f(a)),
  };
}
