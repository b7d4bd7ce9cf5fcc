/**
 * Books one fill: the order's totals, its commission (per-order minimum, see commissions.ts), the account
 * ledger, and the execution record with its execId. Events are the caller's business.
 */
import type { Accounts } from './accounts.js';
import { type CommissionSchedule, executionCommissionMicros, ruleFor } from './commissions.js';
import { type ExecutionRecord, makeExecId } from './executions.js';
import type { Match } from './matching.js';
import { notionalMicros } from './money.js';
import { avgFillPriceOf, type OrderRecord } from './order-types.js';
import type { InstrumentSpec } from './ports.js';

export interface LedgerState {
  readonly accounts: Accounts;
  readonly executions: ExecutionRecord[];
  execSequence: number;
}

export function bookFill(
  state: LedgerState,
  commissions: CommissionSchedule,
  order: OrderRecord,
  spec: InstrumentSpec,
  match: Match,
  t: number,
): ExecutionRecord {
  const notional = notionalMicros(match.qty, match.price, spec.multiplier);
  order.filled += match.qty;
  order.filledNotionalMicros += notional;
  order.lastFillPrice = match.price;
  order.updatedAtMs = t;
  const rule = ruleFor(commissions, spec.secType, spec.currency);
  const commission = executionCommissionMicros(rule, order.filled, order.filledNotionalMicros, order.commissionMicros);
  order.commissionMicros += commission;
  const side = order.action === 'BUY' ? 1 : -1;
  const booking = state.accounts.applyFill(order.account, spec, side, match.qty, match.price, commission);
  const execution: ExecutionRecord = {
    execId: makeExecId(++state.execSequence, t),
    orderId: order.orderId,
    clientId: order.clientId,
    permId: order.permId,
    account: order.account,
    instrumentId: order.instrumentId,
    symbol: order.symbol,
    secType: order.secType,
    currency: order.currency,
    exchange: order.exchange,
    side: side === 1 ? 'BOT' : 'SLD',
    shares: match.qty,
    price: match.price,
    timeMs: t,
    cumQty: order.filled,
    avgPrice: avgFillPriceOf(order),
    orderRef: order.orderRef,
    lastLiquidity: 2,
    commissionMicros: commission,
    commissionCurrency: spec.currency,
    realizedPnLMicros: booking.realizedMicros,
  };
  state.executions.push(execution);
  return execution;
}
