/**
 * What a chart may ask for, from the address's query string: the series (broker, symbol, bar size) and its span
 * for the history (`GET /api/bars`), the qualified series for the live stream (`GET /api/bars/live`). Checked here
 * so that a malformed address is a 400 naming the field; history and market-data check again.
 */
import { BarSizeSpec, InstrumentId, SpanSpec, Timeframe } from '@trading-system/contracts';
import { z } from 'zod';

const broker = z.string().min(1).max(64);

export const BarsQuery = z.object({
  broker,
  symbol: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9.]{1,12}$/),
  /** Any bar size history takes: a timeframe token (`5s`, `1m`, `1h`, `7m`) or as people write it (`5 mins`). */
  timeframe: BarSizeSpec,
  /** Span back from `end`: `1d` (a session), `3600s`, `2w`; IB's spelling (`1 D`) is taken too. */
  duration: SpanSpec.default('1d'),
  /** End of the span (ISO date-time); absent = now. */
  end: z.iso.datetime({ offset: true }).optional(),
  /** Only what the history cache holds (no broker back-fill, no pacing spent). */
  cachedOnly: z.stringbool().default(false),
});
export type BarsQuery = z.infer<typeof BarsQuery>;

export const LiveBarsQuery = z.object({
  broker,
  instrumentId: InstrumentId,
  /** The canonical token /api/bars answered with. */
  timeframe: Timeframe,
});
export type LiveBarsQuery = z.infer<typeof LiveBarsQuery>;

/** The query string as an object (each name once; the last one wins), blanks left out. */
export function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (v !== '' && k !== 'token') out[k] = v;
  return out;
}
