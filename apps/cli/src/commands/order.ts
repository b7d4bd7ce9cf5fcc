/**
 * `order buy|sell <qty> <symbol>`: one order through the OMS. Prints the order and its status once the broker
 * has answered (submitted, filled or rejected; at most --timeout seconds), or with --wait once it is final (or
 * working, --until working), never waiting longer than --timeout: a resting stop may work for days.
 */
import { randomUUID } from 'node:crypto';
import { isFinalOrderState, type OrderState, type TimeInForce } from '@trading-system/contracts';
import type { Order, OrderResult, TradingSystem } from '@trading-system/sdk';
import { oneOf, parseCommandArgs, positiveDecimal } from '../args.js';
import type { Command } from '../command.js';
import type { Io } from '../context.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { describeOrder, describeStatus } from '../format/orders.js';
import { contractOptions, INSTRUMENT_HELP, INSTRUMENT_OPTIONS } from '../instrument-args.js';
import { writeJson } from '../output.js';

const usage =
  'trading-system order buy|sell <qty> <symbol> [--type mkt|lmt|stp|stp-lmt] [--limit PX] [--stop PX] [--tif DAY|GTC|IOC|FOK] [--wait [--until working]] [--timeout S]';

const options = {
  ...INSTRUMENT_OPTIONS,
  type: { type: 'string' },
  limit: { type: 'string' },
  stop: { type: 'string' },
  tif: { type: 'string', default: 'DAY' },
  wait: { type: 'boolean', default: false },
  'outside-rth': { type: 'boolean', default: false },
  account: { type: 'string' },
  strategy: { type: 'string' },
  id: { type: 'string' },
  until: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** How long a command waits by default: for the broker's first answer, and with --wait for the final state. */
const ANSWER_TIMEOUT_S = 10;
const WAIT_TIMEOUT_S = 30;
const WORKING: readonly OrderState[] = ['submitted', 'partiallyFilled'];

const TYPES = ['mkt', 'lmt', 'stp', 'stp-lmt'] as const;
type CliOrderType = (typeof TYPES)[number];
const TIFS: readonly TimeInForce[] = ['DAY', 'GTC', 'IOC', 'FOK'];

export interface OrderArgs {
  readonly side: 'BUY' | 'SELL';
  readonly quantity: string;
  readonly symbol: string;
  readonly type: CliOrderType;
  readonly limitPrice: string | undefined;
  readonly stopPrice: string | undefined;
  readonly tif: TimeInForce;
  readonly wait: boolean;
  /** With --wait: `final` (filled, cancelled, expired, rejected) or `working` (resting at the broker, or final). */
  readonly until: 'final' | 'working';
  readonly timeoutMs: number;
  readonly orderId: string;
  readonly outsideRth: boolean;
  readonly account: string | undefined;
  readonly strategy: string | undefined;
  readonly contract: ReturnType<typeof contractOptions>;
  readonly exchange: string | undefined;
  readonly broker: string | undefined;
  readonly json: boolean;
  readonly help: boolean;
}

export function parseOrderArgs(argv: readonly string[]): OrderArgs {
  const { values, positionals } = parseCommandArgs(argv, options, usage, { min: 3, max: 3 });
  const [sideText = '', qtyText, symbol = ''] = positionals;
  const side = values.help ? 'BUY' : oneOf(sideText, ['BUY', 'SELL'] as const, 'side');
  const quantity = values.help ? '0' : positiveDecimal(qtyText, 'quantity', usage);
  // Without --type the prices say what is meant: --limit → lmt, --stop → stp, both → stp-lmt, none → mkt.
  const type: CliOrderType =
    values.type !== undefined
      ? oneOf(values.type, TYPES, 'type')
      : values.limit !== undefined && values.stop !== undefined
        ? 'stp-lmt'
        : values.limit !== undefined
          ? 'lmt'
          : values.stop !== undefined
            ? 'stp'
            : 'mkt';
  const needsLimit = type === 'lmt' || type === 'stp-lmt';
  const needsStop = type === 'stp' || type === 'stp-lmt';
  if (needsLimit && values.limit === undefined)
    throw new UsageError(
      `a ${type} order needs --limit`,
      `e.g. trading-system order ${sideText} ${qtyText} ${symbol} --type ${type} --limit 150.25${needsStop ? ' --stop 151' : ''}`,
    );
  if (needsStop && values.stop === undefined)
    throw new UsageError(
      `a ${type} order needs --stop`,
      `e.g. trading-system order ${sideText} ${qtyText} ${symbol} --type ${type} --stop 151${needsLimit ? ' --limit 150.25' : ''}`,
    );
  if (!needsLimit && values.limit !== undefined)
    throw new UsageError(
      `--limit does not apply to a ${type} order`,
      'use --type lmt or --type stp-lmt, or drop --limit',
    );
  if (!needsStop && values.stop !== undefined)
    throw new UsageError(
      `--stop does not apply to a ${type} order`,
      'use --type stp or --type stp-lmt, or drop --stop',
    );
  const timeout = Number(values.timeout ?? (values.wait ? WAIT_TIMEOUT_S : ANSWER_TIMEOUT_S));
  if (values.until !== undefined && !values.wait)
    throw new UsageError('--until applies to --wait', 'e.g. --wait --until working');
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new UsageError(
      `--timeout must be a positive number of seconds, got '${values.timeout}'`,
      'e.g. --timeout 30',
    );
  return {
    side,
    quantity,
    symbol: symbol.toUpperCase(),
    type,
    limitPrice: values.limit === undefined ? undefined : positiveDecimal(values.limit, '--limit', usage),
    stopPrice: values.stop === undefined ? undefined : positiveDecimal(values.stop, '--stop', usage),
    tif: oneOf(values.tif, TIFS, 'tif'),
    wait: values.wait,
    until: values.until === undefined ? 'final' : oneOf(values.until, ['final', 'working'] as const, 'until'),
    timeoutMs: timeout * 1000,
    orderId: values.id ?? `cli-${randomUUID()}`,
    outsideRth: values['outside-rth'],
    account: values.account,
    strategy: values.strategy,
    contract: contractOptions(values),
    exchange: values.exchange,
    broker: values.broker,
    json: values.json,
    help: values.help,
  };
}

function submit(ts: TradingSystem, a: OrderArgs): Promise<OrderResult> {
  const opts = {
    ...a.contract,
    tif: a.tif,
    outsideRth: a.outsideRth,
    orderId: a.orderId,
    ...(a.account === undefined ? {} : { account: a.account }),
    ...(a.strategy === undefined ? {} : { strategy: a.strategy }),
  };
  switch (a.type) {
    case 'mkt':
      return ts.submitMarketOrder(a.symbol, a.exchange, a.side, a.quantity, opts);
    case 'lmt':
      return ts.submitLimitOrder(a.symbol, a.exchange, a.side, a.quantity, a.limitPrice ?? '', opts);
    case 'stp':
      return ts.submitStopOrder(a.symbol, a.exchange, a.side, a.quantity, a.stopPrice ?? '', opts);
    case 'stp-lmt':
      return ts.submitStopLimitOrder(
        a.symbol,
        a.exchange,
        a.side,
        a.quantity,
        a.stopPrice ?? '',
        a.limitPrice ?? '',
        opts,
      );
  }
}

/** Resolves with the order once `done(status)` holds, or with its latest view when `timeoutMs` passes. */
async function awaitOrder(
  ts: TradingSystem,
  orderId: string,
  first: Order,
  done: (s: OrderState) => boolean,
  timeoutMs: number,
  interrupted: Promise<void>,
  onChange: (o: Order) => void,
): Promise<Order> {
  if (done(first.status)) return first;
  let latest = first;
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let checking = Promise.resolve();
  let listening = true;
  let failure: { readonly error: unknown } | undefined;
  const stop = ts.onOrderUpdate((e) => {
    if (!listening || e.clientOrderId !== orderId) return;
    // Re-read the OMS view on each event (it folds every event into one state); one read at a time, in order.
    checking = checking.then(async () => {
      if (!listening || failure) return;
      try {
        const o = await ts.getOrderStatus(orderId);
        if (o.status !== latest.status || o.filledQuantity !== latest.filledQuantity) onChange(o);
        latest = o;
        if (done(o.status)) settle();
      } catch (error) {
        // A failed re-read ends the wait with that error, not as an unhandled rejection that kills the command.
        failure = { error };
        settle();
      }
    });
  });
  try {
    // An event may have come between the submit reply and the subscription: read once more.
    const now = await ts.getOrderStatus(orderId);
    if (now.status !== latest.status) onChange(now);
    latest = now;
    if (done(now.status)) return now;
    let timer: NodeJS.Timeout | undefined;
    // Always a deadline: a resting order (a stop far from the market) may stay working for days.
    const deadline = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
    });
    await Promise.race([finished, interrupted, deadline]);
    clearTimeout(timer);
    if (failure) throw failure.error;
    return latest;
  } finally {
    // The caller shuts the system down when this returns, on every path (the early return above included): no
    // read may begin after it, and the one under way must end first. An event that came while the first read was
    // awaited had chained one more, which ran on a closed system and crashed the command.
    listening = false;
    stop();
    await checking;
  }
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const a = parseOrderArgs(argv);
  if (a.help) {
    io.stdout.write(`${usage}\n\n${orderCommand.help}\n`);
    return ExitCode.ok;
  }
  const ts = await io.system({ broker: a.broker });
  const result = await submit(ts, a);
  if (!a.json)
    io.stdout.write(
      `order ${result.orderId}: ${describeOrder(result.order)}\nstatus: ${describeStatus(result.order)}\n`,
    );
  // Without --wait: until the broker has answered (anything but `accepted`, or `pendingSubmit`: written to the
  // broker, not acknowledged yet); with --wait: until final (or working with --until working); never longer than
  // the timeout.
  const done = !a.wait
    ? (s: OrderState) => s !== 'accepted' && s !== 'pendingSubmit'
    : a.until === 'working'
      ? (s: OrderState) => isFinalOrderState(s) || WORKING.includes(s)
      : isFinalOrderState;
  const order = await awaitOrder(ts, result.orderId, result.order, done, a.timeoutMs, io.interrupted, (o) => {
    if (!a.json) io.stdout.write(`status: ${describeStatus(o)}\n`);
  });
  if (a.json) writeJson(io.stdout, order);
  if (order.status === 'rejected' || order.status === 'denied') {
    io.stderr.write(`order ${order.orderId} was ${order.status}: ${rejectionText(order)}\n`);
    return ExitCode.failed;
  }
  if (order.status === 'accepted' || order.status === 'pendingSubmit')
    io.stderr.write(`no broker answer within ${a.timeoutMs / 1000} s; follow it with: trading-system orders --open\n`);
  else if (a.wait && !done(order.status))
    io.stderr.write(
      `order ${order.orderId} is still ${order.status} after ${a.timeoutMs / 1000} s: it works at the broker until ` +
        `its price is reached, it expires or it is cancelled.\nfollow it with: trading-system orders --open; ` +
        `cancel it with: trading-system cancel ${order.orderId}; wait longer with --timeout S\n`,
    );
  return ExitCode.ok;
}

export const orderCommand: Command = {
  name: 'order',
  usage,
  summary: 'submit a market, limit, stop or stop-limit order and print its status',
  help: `Flags:
  --type T         mkt, lmt, stp, stp-lmt (default: from the prices given; none = mkt)
  --limit PX       limit price (lmt, stp-lmt)
  --stop PX        stop (trigger) price (stp, stp-lmt)
  --tif T          DAY (default), GTC, IOC, FOK
  --wait           wait until the order is final (filled, cancelled, expired, rejected), printing each change;
                   a resting order is reported as still working when the timeout passes (exit 0)
  --until working  with --wait: stop waiting once the order works at the broker (or is final)
  --timeout S      how long to wait: for the broker's first answer (default ${ANSWER_TIMEOUT_S}), with --wait for the
                   final state (default ${WAIT_TIMEOUT_S})
  --outside-rth    allow execution outside regular trading hours
  --account A      broker account (when the connection manages several)
  --strategy TAG   strategy tag for attribution
  --id ID          your own order id (resending the same id changes nothing)
  --json           the order as one JSON document
${INSTRUMENT_HELP}
Exit 1 when the order is denied (risk checks) or rejected (broker); 2 for a bad order line.

Examples:
  trading-system order buy 10 AAPL --type lmt --limit 150.25 --tif GTC
  trading-system order sell 5 AAPL --type stp-lmt --stop 140 --limit 139.50 --wait`,
  run,
};

/** The refusal's reason as the OMS keeps it on the order: our code, or the broker's code and text. */
function rejectionText(order: Order): string {
  const r = order.rejection;
  if (r === undefined) return "no reason recorded; see `trading-system tail 'orders.evt.>'`";
  const codes = [r.code, r.brokerCode === undefined ? undefined : `broker code ${r.brokerCode}`].filter(Boolean);
  return `${r.message}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
}
