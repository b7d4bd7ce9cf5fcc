/**
 * reqHistogramData (88) → HISTOGRAM_DATA (89): the volume traded at each price over a period ending now, from the
 * sim's trades (history/histogram.ts). One answer per request, nothing kept open: cancelHistogramData (89) has
 * nothing left to stop and, like TWS for a finished request, says nothing.
 */
import { buildHistogram, histogramPeriodRefusal, parseHistogramPeriod } from '../../history/histogram.js';
import { resolveInstrument } from '../../instruments/contract-query.js';
import { readContract } from '../../wire/contract-fields.js';
import { histogramData } from '../../wire/history-encoders.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import { hmdsError, TWS_ERRORS, validationError } from '../tws-errors.js';

export function registerHistogramHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_HISTOGRAM_DATA, (session, r, sim) => {
    const reqId = r.int();
    const contract = readContract(r);
    const includeExpired = r.bool();
    const useRth = r.bool();
    const periodText = r.str();
    const fail = (e: { code: number; text: string }): void => session.error(reqId, e.code, e.text);

    const instrument = resolveInstrument(sim.catalog, { ...contract, includeExpired }, sim.todayYmd());
    if (!instrument) return fail(TWS_ERRORS.noSecurityDefinition);
    const period = parseHistogramPeriod(periodText);
    // Unverified text: no capture of TWS refusing a malformed period was found.
    if (!period) return fail(validationError(`Invalid time period: ${periodText}`));
    const tooLong = histogramPeriodRefusal(period);
    if (tooLong !== undefined) return fail(validationError(tooLong));
    // A histogram is of trades (HMDS data "Last"): quote-only instruments have none, as for TRADES bars.
    if (!instrument.hasTrades)
      return fail(
        hmdsError(
          `No historical market data for ${instrument.symbol}/${instrument.secType}@${instrument.exchange} Last 0`,
        ),
      );
    const points = buildHistogram(sim.quotes, instrument, sim.clock.now(), period, useRth);
    if (points.length === 0)
      return fail(hmdsError(`HMDS query returned no data: ${instrument.localSymbol}@${instrument.exchange} Trades`));
    session.send(histogramData(reqId, points));
  });

  registry.register(IN.CANCEL_HISTOGRAM_DATA, (_session, r) => {
    r.int(); // reqId: answered at once, nothing open
  });
}
