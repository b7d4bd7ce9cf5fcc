import { z } from 'zod';
import {
  AccountId,
  BrokerName,
  ClientOrderId,
  Currency,
  DurationMs,
  EpochMs,
  InstrumentId,
  PageRequest,
  RequestId,
  StrategyTag,
  V1,
} from './common.js';
import { Price, Quantity, SignedDecimal } from './decimal.js';
import { ErrorCodeSchema, okReply } from './errors.js';
import { Instrument, InstrumentRef, SymbolName } from './instrument.js';
import { BarData } from './market-data.js';
import { OrderSide } from './order-commands.js';
import { OrderEvent, OrderState } from './order-events.js';
import { OrderView } from './orders-service.js';
import { countPackedBars, PACKED_BARS_PATTERN, PACKED_DELTA_BARS_PATTERN } from './packed-bars.js';
import { BarSizeSpec, SpanSpec, Timeframe } from './timeframe.js';
import { WhatToShow } from './what-to-show.js';

/**
 * History service (client → history). Large results never travel in the reply: the reply acknowledges and names
 * `hist.stream.<requestId>`, where the service publishes chunks (each well below the 1 MB NATS payload), progress
 * and one final `end` message. Subscribe to the stream subject BEFORE sending the request.
 */

/** Bars of one instrument over a range; range = `duration` back from `endMs` (default now) or `startMs`..`endMs`. */
export const HistBarsQuery = z
  .object({
    broker: BrokerName,
    /** An instrument id, or a description (symbol, secType, exchange, ...) the service qualifies. */
    instrument: InstrumentRef,
    /** Range start, epoch ms (with endMs); excludes `duration`. */
    startMs: EpochMs.optional(),
    /** Range end (exclusive), epoch ms; default now. */
    endMs: EpochMs.optional(),
    /** Span back from endMs ("5d" = five sessions, "2w", "1y"; IB's "5 D" is accepted too); excludes `startMs`. */
    duration: SpanSpec.optional(),
    /**
     * Any timeframe token ("1h", "5m", "7m") or a spelling people use ("1 hour", "5 mins"); a size the broker does not
     * serve is resampled from the largest size it announces that tiles it.
     */
    barSize: BarSizeSpec,
    /**
     * What the bars are built from; absent = the instrument's default (MIDPOINT for CASH and CMDTY, TRADES
     * otherwise). A type the instrument has no data of is refused with HISTORY_DATA_TYPE_REFUSED.
     */
    whatToShow: WhatToShow.optional(),
    /** Regular trading hours only. */
    useRth: z.boolean().default(true),
    /** Answer only from the cache; missing ranges are reported, not fetched. */
    cachedOnly: z.boolean().default(false),
  })
  .check((ctx) => {
    const q = ctx.value;
    if ((q.startMs === undefined) === (q.duration === undefined))
      ctx.issues.push({ code: 'custom', message: 'give exactly one of startMs or duration', input: q });
    if (q.startMs !== undefined && q.endMs !== undefined && q.startMs >= q.endMs)
      ctx.issues.push({ code: 'custom', message: 'startMs must be before endMs', input: q, path: ['startMs'] });
  });
export type HistBarsQuery = z.infer<typeof HistBarsQuery>;

/**
 * How `hist.bars` streams the bars: `objects` = `bars` chunks (one JSON object per bar, the default), `packed` =
 * `bars-packed` chunks (one string per chunk, see packed-bars.ts). Added in v1: a service that predates it ignores
 * the field and sends `objects`, so a client asking for `packed` must accept both.
 */
export const BarEncoding = z.enum(['objects', 'packed']);
export type BarEncoding = z.infer<typeof BarEncoding>;

/** Largest flow-control window of a streamed request, in chunks. */
export const MAX_STREAM_WINDOW = 1_024;

/** `hist.bars`: historical bars, streamed on `hist.stream.<requestId>` as `bars` (or `bars-packed`) chunks. */
export const HistBarsRequest = z.object({
  v: V1,
  requestId: RequestId,
  query: HistBarsQuery,
  /** Chunk form of the bars (default objects). */
  encoding: BarEncoding.optional(),
  /**
   * With `encoding: 'packed'`: the requester also reads `bars-delta` chunks (rows that leave out the times that
   * follow from the row before, see packed-bars.ts; a third fewer bytes for regular bars), and the service may send
   * them instead of `bars-packed`. Added in v1: a service that predates it ignores the field.
   */
  deltaTimes: z.boolean().optional(),
  /**
   * Flow control (added in v1): the service publishes at most this many data chunks beyond the last one the
   * requester acknowledged on `hist.ack.<requestId>` (HistStreamAck), so a long read never queues more than a
   * window in NATS and in the requester. Absent: no acknowledgements expected (requesters before it); a service
   * that predates it ignores the field and never waits.
   */
  window: z.int().min(1).max(MAX_STREAM_WINDOW).optional(),
});
export type HistBarsRequest = z.infer<typeof HistBarsRequest>;

/**
 * `hist.ack.<requestId>`: the requester of a flow-controlled stream (HistBarsRequest.window) has taken every data
 * chunk up to and including `index`. Cumulative: a later ack replaces earlier ones, so a lost one costs nothing.
 */
export const HistStreamAck = z.object({
  v: V1,
  requestId: RequestId,
  index: z.int().nonnegative(),
});
export type HistStreamAck = z.infer<typeof HistStreamAck>;

/** Acknowledgement of a streamed history request (hist.bars, hist.export). */
const streamAckShape = {
  requestId: RequestId,
  /** Where chunks, progress and the end message are published (`hist.stream.<requestId>`). */
  streamSubject: z.string(),
};
export const HistBarsReply = okReply(streamAckShape);
export type HistBarsReply = z.infer<typeof HistBarsReply>;

const streamBase = { v: V1, requestId: RequestId };

/** A chunk of bars, in time order; chunks arrive in index order (one publisher, core NATS). */
export const HistBarsChunk = z.object({
  ...streamBase,
  type: z.literal('bars'),
  /** 0-based chunk index. */
  index: z.int().nonnegative(),
  /** Total chunks when already known; the `end` message always gives it. */
  total: z.int().positive().optional(),
  instrument: Instrument,
  /** Canonical timeframe token of the bars. */
  timeframe: Timeframe,
  bars: z.array(BarData),
});
export type HistBarsChunk = z.infer<typeof HistBarsChunk>;

/**
 * The two packed chunk forms: `rows` checked against the form's grammar and counted, unless `rowsChecked` is false
 * (HistStreamMessageDecodedRows: for a receiver whose decode of `rows` is the check).
 */
function packedChunk<T extends 'bars-packed' | 'bars-delta'>(
  type: T,
  pattern: string,
  delta: boolean,
  rowsChecked = true,
) {
  const chunk = z.object({
    ...streamBase,
    type: z.literal(type),
    index: z.int().nonnegative(),
    total: z.int().positive().optional(),
    instrument: Instrument,
    timeframe: Timeframe,
    /** Number of bars in `rows`. */
    count: z.int().nonnegative(),
    /**
     * On the first chunk, when the service knows it: the whole stream carries at most this many bars, so a
     * requester filling arrays sizes them once instead of growing them (five years of 1-minute bars: ~500k). A
     * hint only: `end.rows` is the count. Added in v1 (optional; absent from older services).
     */
    barsAtMost: z.int().nonnegative().optional(),
    rows: z.string().meta({ pattern }),
  });
  if (!rowsChecked) return chunk;
  return chunk.check((ctx) => {
    const n = countPackedBars(ctx.value.rows, delta);
    if (n === undefined)
      ctx.issues.push({
        code: 'custom',
        message: `rows is not in the ${delta ? 'delta' : 'packed'} bar form`,
        input: ctx.value,
        path: ['rows'],
      });
    else if (n !== ctx.value.count)
      ctx.issues.push({
        code: 'custom',
        message: `rows holds ${n} bars, count says ${ctx.value.count}`,
        input: ctx.value,
        path: ['count'],
      });
  });
}

/**
 * A chunk of bars in the packed form (asked for with `encoding: 'packed'`), in time order; chunks arrive in index
 * order. `rows` = `tsStartMs,tsEndMs,open,high,low,close,volume,wap,count,gap` per bar, bars separated by `;`
 * (wap and count empty when absent, gap 1/0; decimals as in BarData; integers at most 15 digits).
 */
export const HistPackedBarsChunk = packedChunk('bars-packed', PACKED_BARS_PATTERN, false);
export type HistPackedBarsChunk = z.infer<typeof HistPackedBarsChunk>;

/**
 * A chunk of bars in the delta form (asked for with `encoding: 'packed', deltaTimes: true`): the rows of a
 * `bars-packed` chunk, except that after the first row a time that follows from the row before is left empty
 * (packed-bars.ts, PACKED_DELTA_BARS_PATTERN). Each chunk reads on its own: its first row spells both times.
 */
export const HistDeltaBarsChunk = packedChunk('bars-delta', PACKED_DELTA_BARS_PATTERN, true);
export type HistDeltaBarsChunk = z.infer<typeof HistDeltaBarsChunk>;

/** A chunk of text (CSV export); concatenate `data` of all chunks in index order. */
export const HistTextChunk = z.object({
  ...streamBase,
  type: z.literal('text'),
  index: z.int().nonnegative(),
  total: z.int().positive().optional(),
  /** MIME type of the whole document (`text/csv`). */
  contentType: z.string(),
  data: z.string(),
});
export type HistTextChunk = z.infer<typeof HistTextChunk>;

/** Progress of a long request (broker back-fill under pacing); at most one per second. */
export const HistProgress = z.object({
  ...streamBase,
  type: z.literal('progress'),
  /** Broker fetches (or chunks) done and planned. */
  chunksDone: z.int().nonnegative(),
  chunksTotal: z.int().nonnegative(),
  /** Estimated time to completion, ms (pacing included). */
  etaMs: DurationMs.optional(),
});
export type HistProgress = z.infer<typeof HistProgress>;

/** A range that could not be served, and why. */
export const MissingRange = z.object({
  startMs: EpochMs,
  endMs: EpochMs,
  code: ErrorCodeSchema,
  message: z.string(),
});
export type MissingRange = z.infer<typeof MissingRange>;

/** The last message of every stream: totals, and what is missing. */
export const HistEnd = z.object({
  ...streamBase,
  type: z.literal('end'),
  /** Number of data chunks published (bars or text); the client checks it received all of them. */
  chunks: z.int().nonnegative(),
  /** Number of rows (bars, orders, trades) delivered in total. */
  rows: z.int().nonnegative(),
  /** True when some of the requested range is missing (see `missing`; code HISTORY_PARTIAL semantics). */
  partial: z.boolean(),
  missing: z.array(MissingRange),
  /** Set when the request failed as a whole after the ack. */
  error: z.object({ code: ErrorCodeSchema, message: z.string() }).optional(),
  /** Wall time spent, ms. */
  elapsedMs: DurationMs,
});
export type HistEnd = z.infer<typeof HistEnd>;

/** Every message on `hist.stream.<requestId>`, discriminated on `type`. */
export const HistStreamMessage = z.discriminatedUnion('type', [
  HistBarsChunk,
  HistPackedBarsChunk,
  HistDeltaBarsChunk,
  HistTextChunk,
  HistProgress,
  HistEnd,
]);
export type HistStreamMessage = z.infer<typeof HistStreamMessage>;

/**
 * HistStreamMessage for a receiver whose decode of a packed chunk's `rows` is its check (fetchBarColumns:
 * BarColumnsBuilder.appendPacked refuses rows not in the form, and a count other than `count`, with a typed
 * error): everything else as HistStreamMessage, `rows` only a string, so the bus does not read a chunk's characters
 * once to check them before the decode reads them again. Given to the bus as a subscription's `schema`; what this
 * accepts and HistStreamMessage refuses is only ever such rows.
 */
export const HistStreamMessageDecodedRows = z.discriminatedUnion('type', [
  HistBarsChunk,
  packedChunk('bars-packed', PACKED_BARS_PATTERN, false, false),
  packedChunk('bars-delta', PACKED_DELTA_BARS_PATTERN, true, false),
  HistTextChunk,
  HistProgress,
  HistEnd,
]);

/** Filters shared by order and trade history. */
const auditFilter = {
  broker: BrokerName.optional(),
  account: AccountId.optional(),
  strategy: StrategyTag.optional(),
  clientOrderId: ClientOrderId.optional(),
  instrumentId: InstrumentId.optional(),
  /** Underlying symbol of the instrument (`AAPL`; trimmed and upper-cased), exact match (added in v1, optional). */
  symbol: SymbolName.optional(),
  /** Time window on tsEventMs, epoch ms (from inclusive, to exclusive). */
  fromMs: EpochMs.optional(),
  toMs: EpochMs.optional(),
};

export const HistOrdersQuery = z.object({
  ...auditFilter,
  /**
   * open = not in a final state; final = filled/cancelled/expired/rejected/denied; all (default). Added in v1,
   * optional. `states` narrows to exact states.
   */
  status: z.enum(['open', 'final', 'all']).optional(),
  states: z.array(OrderState).min(1).optional(),
  /** Also return the order events (requires clientOrderId, to stay small). */
  includeEvents: z.boolean().default(false),
  ...PageRequest,
});
export type HistOrdersQuery = z.infer<typeof HistOrdersQuery>;

/** `hist.orders`: the order audit trail (read model built from the ORDERS stream). Newest first, paged. */
export const HistOrdersRequest = z.object({ v: V1, query: HistOrdersQuery });
export type HistOrdersRequest = z.infer<typeof HistOrdersRequest>;
export const HistOrdersReply = okReply({
  orders: z.array(OrderView),
  events: z.array(OrderEvent).optional(),
  nextCursor: z.string().optional(),
});
export type HistOrdersReply = z.infer<typeof HistOrdersReply>;

/** One fill as recorded in history. */
export const TradeRecord = z.object({
  execId: z.string().min(1).max(64),
  clientOrderId: ClientOrderId,
  broker: BrokerName,
  account: AccountId,
  instrumentId: InstrumentId,
  symbol: z.string().max(64),
  strategy: StrategyTag.optional(),
  side: OrderSide,
  quantity: Quantity,
  price: Price,
  commission: SignedDecimal.optional(),
  commissionCurrency: Currency.optional(),
  realizedPnl: SignedDecimal.optional(),
  /** Execution time at the broker, epoch ms. */
  tsEventMs: EpochMs,
});
export type TradeRecord = z.infer<typeof TradeRecord>;

export const HistTradesQuery = z.object({ ...auditFilter, ...PageRequest });
export type HistTradesQuery = z.infer<typeof HistTradesQuery>;

/** `hist.trades`: fills, newest first, paged. */
export const HistTradesRequest = z.object({ v: V1, query: HistTradesQuery });
export type HistTradesRequest = z.infer<typeof HistTradesRequest>;
export const HistTradesReply = okReply({ trades: z.array(TradeRecord), nextCursor: z.string().optional() });
export type HistTradesReply = z.infer<typeof HistTradesReply>;

/**
 * `hist.export`: CSV of bars, orders or trades, streamed as `text` chunks on `hist.stream.<requestId>`
 * (paging fields of the query are ignored: everything matching is exported).
 */
export const HistExportRequest = z.object({
  v: V1,
  requestId: RequestId,
  format: z.literal('csv').default('csv'),
  export: z.discriminatedUnion('what', [
    z.object({ what: z.literal('bars'), query: HistBarsQuery }),
    z.object({ what: z.literal('orders'), query: HistOrdersQuery }),
    z.object({ what: z.literal('trades'), query: HistTradesQuery }),
  ]),
});
export type HistExportRequest = z.infer<typeof HistExportRequest>;
export const HistExportReply = okReply(streamAckShape);
export type HistExportReply = z.infer<typeof HistExportReply>;
