import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BarColumns,
  BarColumnsBuilder,
  type BarData,
  type BarEncoding,
  ContractError,
  countPackedBars,
  type ErrorCode,
  type HistBarsQuery,
  type HistBarsReply,
  type HistDeltaBarsChunk,
  type HistEnd,
  type HistExportReply,
  type HistExportRequest,
  type HistPackedBarsChunk,
  type HistProgress,
  type HistStreamMessage,
  HistStreamMessageDecodedRows,
  type Instrument,
  type MissingRange,
  Subjects,
  unpackBars,
} from '@trading-system/contracts';

/** A streamed reply did not arrive whole (missing chunk, row count mismatch, idle timeout). */
export class HistoryStreamError extends ContractError {
  override readonly name = 'HistoryStreamError';
  constructor(message: string, code: ErrorCode = 'INTERNAL_ERROR', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Client side of the streamed history requests, for the SDK and tests: subscribe to `hist.stream.<requestId>`,
 * send the request, reassemble the chunks in index order, and verify the totals the `end` message announces.
 * One call returns the whole answer (a year of 1-minute bars included). A stream that goes silent for
 * `idleTimeoutMs` (no chunk, progress or end) fails with HistoryStreamError (TIMEOUT).
 */
export interface StreamOptions {
  readonly requestId?: string;
  /** Timeout of the acknowledgement, ms (default 30 000). */
  readonly requestTimeoutMs?: number;
  /** Longest silence between two stream messages, ms (default 120 000; back-fills report progress ≤ 1/s). */
  readonly idleTimeoutMs?: number;
  readonly onProgress?: (p: HistProgress) => void;
  /**
   * Chunk form asked of hist.bars (default packed: half the bytes, a fraction of the decode cost; with delta times
   * when the service has them); the answer is the same BarData either way, and a service that predates `packed`
   * answers with objects.
   */
  readonly encoding?: BarEncoding;
  /**
   * Flow control of hist.bars (default DEFAULT_STREAM_WINDOW chunks): the service sends at most this many chunks
   * beyond the last one acknowledged here (acknowledged once decoded, a quarter of the window at a time), so a read of years never queues
   * more than a window in NATS and in this process. A service that predates it ignores it.
   */
  readonly window?: number;
}

/**
 * Chunks in flight per flow-controlled stream: ~4 MB of 800-bar packed chunks. Interleaved warm reads of a year
 * (7 each, one run, load ~5): median 215 ms with 16, 153 ms with 64, 227 ms with 1,024 (no pacing in effect).
 */
export const DEFAULT_STREAM_WINDOW = 64;

export interface BarsResult {
  readonly requestId: string;
  readonly instrument: Instrument | undefined;
  readonly timeframe: string | undefined;
  readonly bars: BarData[];
  /** True when part of the range could not be served; `missing` says which and why. */
  readonly partial: boolean;
  readonly missing: MissingRange[];
  readonly elapsedMs: number;
}

export interface TextResult {
  readonly requestId: string;
  readonly contentType: string | undefined;
  readonly text: string;
  readonly rows: number;
  readonly partial: boolean;
  readonly missing: MissingRange[];
}

/** Historical bars of one query, whole. Throws ContractError for a refused request or a failed stream. */
export async function fetchBars(bus: Bus, query: HistBarsQuery, options: StreamOptions = {}): Promise<BarsResult> {
  const bars: BarData[] = [];
  const r = await collectBars(bus, query, options, {
    // unpackBars trusts its rows: they are counted against the form first (the object path's check).
    packed: (m) => {
      const n = countPackedBars(m.rows, m.type === 'bars-delta');
      if (n === undefined)
        throw new HistoryStreamError(`chunk ${m.index}: rows not in the ${m.type} form`, 'INVALID_MESSAGE');
      if (n !== m.count)
        throw new HistoryStreamError(`chunk ${m.index} holds ${n} bars, announced ${m.count}`, 'INVALID_MESSAGE');
      unpackBars(m.rows, bars);
    },
    objects: (m) => {
      for (const b of m.bars) bars.push(b);
    },
  });
  if (bars.length !== r.end.rows)
    throw new HistoryStreamError(`stream announced ${r.end.rows} bars, ${bars.length} arrived`);
  return { ...r.head, bars, partial: r.end.partial, missing: r.end.missing, elapsedMs: r.end.elapsedMs };
}

export interface BarColumnsResult extends Omit<BarsResult, 'bars'> {
  readonly columns: BarColumns;
}

/**
 * Historical bars of one query as columns (typed arrays of doubles, see BarColumns): no object per bar, each chunk
 * decoded into the arrays as it arrives while later ones are still read and sent. For analysis of long series; the
 * exact decimal strings are on `fetchBars`' object form.
 */
export async function fetchBarColumns(
  bus: Bus,
  query: HistBarsQuery,
  options: StreamOptions = {},
): Promise<BarColumnsResult> {
  const cols = new BarColumnsBuilder(4_096);
  const r = await collectBars(bus, query, options, {
    packed: (m) => {
      if (m.barsAtMost !== undefined) cols.reserve(m.barsAtMost, true);
      // The decode checks the rows (PackedRowsError); the count is checked here.
      const n = cols.appendPacked(m.rows, m.count, m.type === 'bars-delta');
      if (n !== m.count)
        throw new HistoryStreamError(`chunk ${m.index} holds ${n} bars, announced ${m.count}`, 'INVALID_MESSAGE');
    },
    objects: (m) => cols.appendBars(m.bars),
  });
  if (cols.length !== r.end.rows)
    throw new HistoryStreamError(`stream announced ${r.end.rows} bars, ${cols.length} arrived`);
  return {
    ...r.head,
    columns: cols.columns(),
    partial: r.end.partial,
    missing: r.end.missing,
    elapsedMs: r.end.elapsedMs,
  };
}

/** A CSV export, whole. */
export async function fetchExport(
  bus: Bus,
  spec: HistExportRequest['export'],
  options: StreamOptions = {},
): Promise<TextResult> {
  const requestId = options.requestId ?? randomUUID();
  let text = '';
  let contentType: string | undefined;
  const end = await collect(
    bus,
    requestId,
    () =>
      bus.request<HistExportReply>(
        Subjects.histExport.build(),
        { v: 1, requestId, format: 'csv', export: spec },
        { timeoutMs: options.requestTimeoutMs ?? 30_000 },
      ),
    options,
    (c) => {
      if (c.type !== 'text') throw new HistoryStreamError(`unexpected ${c.type} chunk in a text stream`);
      contentType = c.contentType;
      text += c.data;
    },
  );
  return { requestId, contentType, text, rows: end.rows, partial: end.partial, missing: end.missing };
}

type DataChunk = Extract<HistStreamMessage, { type: 'bars' | 'bars-packed' | 'bars-delta' | 'text' }>;
type ObjectBarsChunk = Extract<HistStreamMessage, { type: 'bars' }>;

/** hist.bars with each bar chunk handed, in index order, to the form's decoder. */
async function collectBars(
  bus: Bus,
  query: HistBarsQuery,
  options: StreamOptions,
  decode: { packed: (m: HistPackedBarsChunk | HistDeltaBarsChunk) => void; objects: (m: ObjectBarsChunk) => void },
): Promise<{
  head: { requestId: string; instrument: Instrument | undefined; timeframe: string | undefined };
  end: HistEnd;
}> {
  const requestId = options.requestId ?? randomUUID();
  let instrument: Instrument | undefined;
  let timeframe: string | undefined;
  const end = await collect(
    bus,
    requestId,
    () =>
      bus.request<HistBarsReply>(
        Subjects.histBars.build(),
        // Packed chunks: half the bytes and a fraction of the decode cost, a third less again with delta times
        // (both decoders read either form); older services answer with bars-packed chunks, or objects.
        {
          v: 1,
          requestId,
          query,
          encoding: options.encoding ?? 'packed',
          ...((options.encoding ?? 'packed') === 'packed' ? { deltaTimes: true } : {}),
          window: options.window ?? DEFAULT_STREAM_WINDOW,
        },
        { timeoutMs: options.requestTimeoutMs ?? 30_000 },
      ),
    options,
    (c) => {
      if (c.type === 'bars-packed' || c.type === 'bars-delta') decode.packed(c);
      else if (c.type === 'bars') decode.objects(c);
      else throw new HistoryStreamError(`unexpected ${c.type} chunk in a bars stream`);
      instrument = c.instrument;
      timeframe = c.timeframe;
    },
    {
      // Cumulative: the highest chunk taken so far, once a quarter of the window has been taken since the last.
      every: ackEvery(options.window ?? DEFAULT_STREAM_WINDOW),
      send: (index) => bus.publish(Subjects.histAck.build({ requestId }), { v: 1, requestId, index }),
    },
  );
  return { head: { requestId, instrument, timeframe }, end };
}

/**
 * Chunks taken between two acknowledgements: a quarter of the window. One ack per chunk cost the requester a socket
 * write and the service a decoded message per ~62 kB chunk (a year: 122 of each; ~10% of the requester's CPU in a
 * profile of warm reads); acknowledging every quarter keeps the service at least three quarters of a window ahead
 * (so it never waits on a requester that keeps up) with 4 acks per window.
 */
function ackEvery(window: number): number {
  return Math.max(1, Math.floor(window / 4));
}

/** Flow-control acknowledgements of a stream: `send` hears the last chunk taken, every `every` chunks. */
interface StreamAcks {
  readonly every: number;
  readonly send: (index: number) => void;
}

/**
 * Subscribes to the request's stream, sends it, and hands each data chunk to `take` in index order as soon as it
 * and every earlier one are here (a chunk ahead of its turn waits in a map), so decoding overlaps the service's
 * reading and sending; `ack`, when given, hears the index of the last chunk taken once `ack.every` chunks have
 * been taken since the last acknowledgement. Resolves with the `end` after checking that exactly the announced
 * chunks arrived.
 */
async function collect(
  bus: Bus,
  requestId: string,
  send: () => Promise<HistBarsReply | HistExportReply>,
  options: StreamOptions,
  take: (c: DataChunk) => void,
  ack?: StreamAcks,
): Promise<HistEnd> {
  const idleMs = options.idleTimeoutMs ?? 120_000;
  const early = new Map<number, DataChunk>();
  let next = 0;
  let acked = -1;
  let sub: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let fail: (err: Error) => void = () => undefined;
  const ended = new Promise<HistEnd>((resolve, reject) => {
    fail = reject;
    // One timer for the whole stream, re-armed for the rest of the silence when it fires early, instead of a
    // clearTimeout + setTimeout per message.
    let lastMessageAt = performance.now();
    const check = (): void => {
      const silentMs = performance.now() - lastMessageAt;
      if (silentMs >= idleMs)
        reject(new HistoryStreamError(`no message on the stream of ${requestId} for ${idleMs} ms`, 'TIMEOUT'));
      else timer = setTimeout(check, idleMs - silentMs);
    };
    timer = setTimeout(check, idleMs);
    // Packed rows are checked by the decode of every `take` (fetchBars counts them first, appendPacked refuses
    // them as it reads), so the bus checks the rest of each message and leaves the rows to it.
    sub = bus.subscribe<HistStreamMessage>(
      Subjects.histStream.build({ requestId }),
      (msg) => {
        lastMessageAt = performance.now();
        const m = msg.data;
        if (m.type === 'progress') options.onProgress?.(m);
        else if (m.type === 'end') resolve(m);
        else if (m.index < next || early.has(m.index))
          reject(new HistoryStreamError(`chunk ${m.index} of the stream of ${requestId} arrived twice`));
        else if (m.index > next) early.set(m.index, m);
        else {
          try {
            take(m);
            for (next++; early.has(next); next++) {
              take(early.get(next) as DataChunk);
              early.delete(next);
            }
            if (ack !== undefined && next - 1 - acked >= ack.every) {
              acked = next - 1;
              ack.send(acked);
            }
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        }
      },
      { schema: HistStreamMessageDecodedRows },
    );
  });
  try {
    const reply = await send();
    if (!reply.ok) throw ContractError.fromReply(reply);
    const end = await ended;
    if (end.error !== undefined) throw new HistoryStreamError(end.error.message, end.error.code);
    if (next < end.chunks) throw new HistoryStreamError(`chunk ${next} of ${end.chunks} did not arrive`);
    if (next > end.chunks || early.size > 0)
      throw new HistoryStreamError(`stream announced ${end.chunks} chunks, ${next + early.size} arrived`);
    return end;
  } catch (err) {
    fail(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    clearTimeout(timer);
    sub?.unsubscribe();
    // Any rejection of `ended` has been thrown to the caller above (or superseded by the error that was).
    ended.catch(() => undefined);
  }
}
