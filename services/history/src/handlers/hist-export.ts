/** `hist.export`: bars (back-filled first), orders or trades as CSV, streamed. */
import type { HistExportReply, HistExportRequest } from '@trading-system/contracts';
import type { Kysely } from '@trading-system/storage';
import type { BarsService } from '../bars-service.js';
import type { HistoryDb } from '../db-types.js';
import { runExport } from '../export.js';
import type { StreamedRequests } from '../streamed-requests.js';

export function histExportHandler(
  db: Kysely<HistoryDb>,
  bars: BarsService,
  streamed: StreamedRequests,
): (req: HistExportRequest) => Promise<HistExportReply> {
  return async (req) => {
    streamed.throwIfStopped();
    if (req.export.what === 'bars') {
      const q = req.export.query;
      const prepared = await bars.prepare(q);
      return streamed.start(req.requestId, async (out) => {
        const missing = await bars.fill(prepared, q, req.requestId, out, streamed.signal);
        streamed.throwIfStopped();
        await runExport({ db, bars, prepared }, req.export, out);
        out.end(missing);
      });
    }
    return streamed.start(req.requestId, async (out) => {
      await runExport({ db, bars, prepared: undefined }, req.export, out);
      out.end([]);
    });
  };
}
