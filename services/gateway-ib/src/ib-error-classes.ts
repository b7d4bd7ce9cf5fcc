/**
 * The ONE classification of IB error/notice codes. Every `error` / `info` callback from @stoqey/ib goes through
 * `classifyIbCode`; components act on the class, never on raw codes scattered around the code base.
 *
 * - warning:            informational (2100-2169 notices, 10167 delayed data shown, 399 order warning ...).
 * - connectivity-lost:  IB lost its link to the servers while our socket stays open (1100, 2110).
 * - restored-data-lost: link back, subscriptions gone: every market-data line must be re-requested (1101).
 * - restored-data-kept: link back, subscriptions intact (1102).
 * - farm-broken / farm-ok: one data farm changed state (2103/2105/2157 broken, 2104/2106/2158 OK,
 *   2107/2108 inactive counts as ok-but-idle).
 * - request-failed:     the request with this reqId is finished with an error (200 no contract, 162 history, 354 ...).
 * - order-rejected:     the order with this reqId (= orderId) was refused by IB.
 * - fatal:              the session cannot work (326 clientId in use, 502 cannot connect, 503 outdated TWS ...);
 *                       the connection drops the socket and reconnects with backoff.
 * Codes not in the table: with a reqId ≥ 0 they fail that request, without one they are warnings.
 */
export type IbCodeClass =
  | 'warning'
  | 'connectivity-lost'
  | 'restored-data-lost'
  | 'restored-data-kept'
  | 'farm-broken'
  | 'farm-ok'
  | 'request-failed'
  | 'order-rejected'
  | 'fatal';

export type FarmKind = 'market' | 'hmds' | 'secdef';

export interface IbCodeInfo {
  readonly cls: IbCodeClass;
  /** For farm codes: which kind of farm, and whether the code reports it inactive (idle) rather than OK. */
  readonly farm?: FarmKind;
  readonly inactive?: boolean;
}

const TABLE: ReadonlyMap<number, IbCodeInfo> = new Map<number, IbCodeInfo>([
  [1100, { cls: 'connectivity-lost' }],
  [2110, { cls: 'connectivity-lost' }],
  [1101, { cls: 'restored-data-lost' }],
  [1102, { cls: 'restored-data-kept' }],
  [2103, { cls: 'farm-broken', farm: 'market' }],
  [2105, { cls: 'farm-broken', farm: 'hmds' }],
  [2157, { cls: 'farm-broken', farm: 'secdef' }],
  [2104, { cls: 'farm-ok', farm: 'market' }],
  [2106, { cls: 'farm-ok', farm: 'hmds' }],
  [2158, { cls: 'farm-ok', farm: 'secdef' }],
  [2107, { cls: 'farm-ok', farm: 'hmds', inactive: true }],
  [2108, { cls: 'farm-ok', farm: 'market', inactive: true }],
  [2119, { cls: 'warning' }], // market data farm connecting
  [100, { cls: 'warning' }], // max rate exceeded: the governor must prevent it; logged loudly, not fatal
  [165, { cls: 'warning' }], // historical market data service query message
  [399, { cls: 'warning' }], // order message (e.g. will not be placed until market opens)
  [2100, { cls: 'warning' }],
  [2109, { cls: 'warning' }], // outside RTH attribute ignored
  [2137, { cls: 'warning' }],
  [2174, { cls: 'warning' }], // endDateTime without zone
  [2176, { cls: 'warning' }],
  [10167, { cls: 'warning' }], // delayed data displayed
  [10090, { cls: 'warning' }], // part of requested market data not subscribed
  [10197, { cls: 'warning' }], // no market data during competing live session (line stays, data pauses)
  [1300, { cls: 'fatal' }], // socket port reset
  [326, { cls: 'fatal' }], // clientId already in use
  [502, { cls: 'fatal' }], // could not connect
  [503, { cls: 'fatal' }], // TWS out of date
  [504, { cls: 'fatal' }], // not connected
  [507, { cls: 'fatal' }], // bad message length
  [103, { cls: 'order-rejected' }], // duplicate order id
  [104, { cls: 'order-rejected' }],
  [105, { cls: 'order-rejected' }],
  [106, { cls: 'order-rejected' }],
  [107, { cls: 'order-rejected' }],
  [109, { cls: 'order-rejected' }],
  [110, { cls: 'order-rejected' }], // price does not conform to min tick
  [116, { cls: 'order-rejected' }],
  [117, { cls: 'order-rejected' }],
  [135, { cls: 'order-rejected' }],
  [201, { cls: 'order-rejected' }], // order rejected
  [203, { cls: 'order-rejected' }], // security not available / allowed
  [382, { cls: 'order-rejected' }],
  [383, { cls: 'order-rejected' }],
  [387, { cls: 'order-rejected' }],
  [434, { cls: 'order-rejected' }],
  [101, { cls: 'request-failed' }], // max number of tickers reached
  [10147, { cls: 'request-failed' }], // cancel: order id not found
  [10148, { cls: 'request-failed' }], // cancel: order cannot be cancelled
  [202, { cls: 'request-failed' }], // order cancelled (answer to a cancel)
  [162, { cls: 'request-failed' }],
  [200, { cls: 'request-failed' }],
  [300, { cls: 'request-failed' }],
  [309, { cls: 'request-failed' }], // max market depth
  [321, { cls: 'request-failed' }],
  [322, { cls: 'request-failed' }],
  [354, { cls: 'request-failed' }],
  [366, { cls: 'request-failed' }],
  [10089, { cls: 'request-failed' }],
  [10168, { cls: 'request-failed' }],
  [10186, { cls: 'request-failed' }],
]);

export function classifyIbCode(code: number, reqId: number): IbCodeInfo {
  const known = TABLE.get(code);
  if (known !== undefined) return known;
  if (code >= 2100 && code < 2200) return { cls: 'warning' };
  return { cls: reqId >= 0 ? 'request-failed' : 'warning' };
}

/** IB historical "pacing violation" is code 162 (or 366/420) with this text; the queue counts them. */
export function isPacingViolation(code: number, message: string): boolean {
  return (code === 162 || code === 420 || code === 366) && /pacing violation/i.test(message);
}

/** IB 162 "HMDS query returned no data": an empty but complete answer. */
export function isHistoryNoData(code: number, message: string): boolean {
  return code === 162 && /returned no data/i.test(message);
}

/** IB codes that mean "no market-data permission" rather than a broken request. */
export function isMarketDataNotPermitted(code: number): boolean {
  return code === 354 || code === 10167 || code === 10168 || code === 10089;
}

/** IB 101 / "max number of tickers" and the like: the account's line budget is exhausted at the broker. */
export function isLineBudgetExceeded(code: number, message: string): boolean {
  return code === 101 || /max(imum)? number of tickers/i.test(message);
}

/**
 * IB codes refusing a cancel: 10147 order id not found, 10148 not cancellable in its state, 10149 invalid order id,
 * 161 not in a cancellable state. The order itself is unchanged by them.
 */
export function isCancelRefusal(code: number): boolean {
  return code === 10147 || code === 10148 || code === 10149 || code === 161;
}

/**
 * IB 202 "Order Canceled - reason:…": the order was cancelled, by a cancel of ours or by the broker on its own
 * (IOC remainder, day expiry, a venue's refusal after acceptance — then the text carries the reason).
 */
export function isOrderCancelledNotice(code: number): boolean {
  return code === 202;
}
