/** `hist.bars`: bars of a range and timeframe, back-filled from the broker where the cache lacks them, streamed. */
import type { HistBarsReply, HistBarsRequest } from '@trading-system/contracts';
import type { BarsService } from '../bars-service.js';
import type { HistoryObserver } from '../observer.js';
import type { StreamedRequests } from '../streamed-requests.js';

export function histBarsHandler(
  bars: BarsService,
  streamed: StreamedRequests,
  observer: HistoryObserver,
): (req: HistBarsRequest) => Promise<HistBarsReply> {
  return async (req) => {
    streamed.throwIfStopped();
    const prepared = await bars.prepare(req.query);
    return streamed.start(req.requestId, async (out) => {
      if (req.window !== undefined) out.flowControl(req.window);
      const missing = await bars.fill(prepared, req.query, req.requestId, out, streamed.signal);
      streamed.throwIfStopped();
      await bars.stream(prepared, out, req.encoding ?? 'objects', req.deltaTimes === true);
      observer.served(out.barsPublished);
      out.end(missing);
    });
  };
}
