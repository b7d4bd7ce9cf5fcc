import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BarData,
  type BarEncoding,
  ContractError,
  type ErrorCode,
  type HistBarsQuery,
  type HistBarsReply,
  type HistEnd,
  type HistExportReply,
  type HistExportRequest,
  type HistPackedBarsChunk,
  type HistProgress,
  type HistStreamMessage,
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
   * Chunk form asked of hist.bars (default packed: half the bytes, a fraction of the decode cost); the answer is
   * the same BarData either way, and a service that predates `packed` answers with objects.
   */
  readonly encoding?: BarEncoding;
}

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
  const requestId = options.requestId ?? randomUUID();
  const { chunks, end } = await collect(
    bus,
    requestId,
    () =>
      bus.request<HistBarsReply>(
        Subjects.histBars.build(),
        // Packed chunks: half the bytes and a fraction of the decode cost; older services answer with objects.
        { v: 1, requestId, query, encoding: options.encoding ?? 'packed' },
        { timeoutMs: options.requestTimeoutMs ?? 30_000 },
      ),
    options,
  );
  const bars: BarData[] = [];
  let instrument: Instrument | undefined;
  let timeframe: string | undefined;
  for (const c of chunks) {
    if (c.type === 'bars') for (const b of c.bars) bars.push(b);
    else throw new HistoryStreamError(`unexpected ${c.type} chunk in a bars stream`);
    instrument = c.instrument;
    timeframe = c.timeframe;
  }
  if (bars.length !== end.rows)
    throw new HistoryStreamError(`stream announced ${end.rows} bars, ${bars.length} arrived`);
  return {
    requestId,
    instrument,
    timeframe,
    bars,
    partial: end.partial,
    missing: end.missing,
    elapsedMs: end.elapsedMs,
  };
}

/** A CSV export, whole. */
export async function fetchExport(
  bus: Bus,
  spec: HistExportRequest['export'],
  options: StreamOptions = {},
): Promise<TextResult> {
  const requestId = options.requestId ?? randomUUID();
  const { chunks, end } = await collect(
    bus,
    requestId,
    () =>
      bus.request<HistExportReply>(
        Subjects.histExport.build(),
        { v: 1, requestId, format: 'csv', export: spec },
        { timeoutMs: options.requestTimeoutMs ?? 30_000 },
      ),
    options,
  );
  let text = '';
  let contentType: string | undefined;
  for (const c of chunks) {
    if (c.type !== 'text') throw new HistoryStreamError(`unexpected ${c.type} chunk in a text stream`);
    contentType = c.contentType;
    text += c.data;
  }
  return { requestId, contentType, text, rows: end.rows, partial: end.partial, missing: end.missing };
}

type DataChunk = Extract<HistStreamMessage, { type: 'bars' | 'text' }>;

/** A packed chunk as the object form, unpacked on arrival (while later chunks are still being read and sent). */
function unpacked(m: HistPackedBarsChunk): DataChunk {
  const bars: BarData[] = [];
  unpackBars(m.rows, bars);
  const { rows: _rows, count: _count, ...rest } = m;
  return { ...rest, type: 'bars', bars };
}

async function collect(
  bus: Bus,
  requestId: string,
  send: () => Promise<HistBarsReply | HistExportReply>,
  options: StreamOptions,
): Promise<{ chunks: DataChunk[]; end: HistEnd }> {
  const idleMs = options.idleTimeoutMs ?? 120_000;
  const chunks = new Map<number, DataChunk>();
  let sub: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let fail: (err: Error) => void = () => undefined;
  const ended = new Promise<HistEnd>((resolve, reject) => {
    fail = reject;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => reject(new HistoryStreamError(`no message on the stream of ${requestId} for ${idleMs} ms`, 'TIMEOUT')),
        idleMs,
      );
    };
    arm();
    sub = bus.subscribe<HistStreamMessage>(Subjects.histStream.build({ requestId }), (msg) => {
      arm();
      const m = msg.data;
      if (m.type === 'progress') options.onProgress?.(m);
      else if (m.type === 'end') resolve(m);
      else chunks.set(m.index, m.type === 'bars-packed' ? unpacked(m) : m);
    });
  });
  try {
    const reply = await send();
    if (!reply.ok) throw ContractError.fromReply(reply);
    const end = await ended;
    if (end.error !== undefined) throw new HistoryStreamError(end.error.message, end.error.code);
    const ordered: DataChunk[] = [];
    for (let i = 0; i < end.chunks; i++) {
      const c = chunks.get(i);
      if (c === undefined) throw new HistoryStreamError(`chunk ${i} of ${end.chunks} did not arrive`);
      ordered.push(c);
    }
    if (chunks.size !== end.chunks)
      throw new HistoryStreamError(`stream announced ${end.chunks} chunks, ${chunks.size} arrived`);
    return { chunks: ordered, end };
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
