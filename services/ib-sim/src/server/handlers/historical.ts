/**
 * reqHistoricalData (every bar size, duration, whatToShow, endDateTime form, keepUpToDate; SCHEDULE answered with
 * HISTORICAL_SCHEDULE), cancelHistoricalData, reqHeadTimestamp / cancelHeadTimestamp — with IB's validation texts,
 * the step table, pacing, and the 50-open-requests limit. Registers the histogram and historical-ticks handlers too.
 */

import {
  BAR_SIZE_INVALID,
  type BarSize,
  checkStep,
  parseBarSize,
  parseDuration,
  parseWhatToShow,
  type WhatToShow,
} from '../../history/bar-size.js';
import { type Bar, buildBars, currentBar, windowStart } from '../../history/bars.js';
import {
  END_DATE_INVALID,
  formatBarTime,
  formatHeadTimestamp,
  IMPLIED_ZONE_WARNING,
  parseEndDate,
} from '../../history/dates.js';
import { historicalSchedule } from '../../history/schedule.js';
import { hasVolatilityData, type VolatilityKind } from '../../history/volatility.js';
import { resolveInstrument } from '../../instruments/contract-query.js';
import type { Instrument } from '../../instruments/instrument.js';
import { readContract } from '../../wire/contract-fields.js';
import * as enc from '../../wire/encoders.js';
import { fmtDouble } from '../../wire/fields.js';
import * as histEnc from '../../wire/history-encoders.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { Session } from '../session.js';
import type { SimContext } from '../sim-context.js';
import { hmdsError, processingError, TWS_ERRORS, validationError } from '../tws-errors.js';
import { registerHistogramHandlers } from './histogram.js';
import { registerHistoricalTickHandlers } from './historical-ticks.js';

const histKey = (reqId: number): string => `hist:${reqId}`;
const KEEP_UP_TO_DATE_INTERVAL_MS = 5_000;
/**
 * HMDS's names of the volatility series in its "no data" refusal. `OptionImpliedVol` is verbatim from TWS
 * (`No historical market data for SPY/OPT@IBVOL OptionImpliedVol 3600`, ib_insync issue 458: volatility comes
 * from the IBVOL source, the number is the bar length in seconds); `HistoricalVol` is its unverified analogue.
 */
const VOLATILITY_LABEL: Readonly<Record<VolatilityKind, string>> = {
  HISTORICAL_VOLATILITY: 'HistoricalVol',
  OPTION_IMPLIED_VOLATILITY: 'OptionImpliedVol',
};

function fail(session: Session, reqId: number, e: { code: number; text: string }): void {
  session.error(reqId, e.code, e.text);
}

function capitalised(what: WhatToShow): string {
  return what
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('_');
}

export function toBarFields(bar: Bar, barSize: BarSize, formatDate: number, zone: string): enc.BarFields {
  return {
    date:
      bar.tradeDate !== undefined && barSize.unit !== 'intraday'
        ? bar.tradeDate
        : formatBarTime(bar.startMs, formatDate, zone),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: String(bar.volume),
    wap: bar.wap < 0 ? '-1' : fmtDouble(bar.wap),
    count: bar.count,
  };
}

interface HistoricalRequest {
  readonly reqId: number;
  readonly instrument: Instrument;
  readonly barSize: BarSize;
  readonly whatToShow: WhatToShow;
  readonly useRth: boolean;
  readonly formatDate: number;
  readonly keepUpToDate: boolean;
  readonly endMs: number;
  readonly duration: ReturnType<typeof parseDuration> & { ok: true };
}

function answer(session: Session, sim: SimContext, req: HistoricalRequest): void {
  if (req.whatToShow === 'SCHEDULE') {
    const s = historicalSchedule(req.instrument, req.endMs, req.duration.duration, req.useRth);
    session.send(histEnc.historicalSchedule(req.reqId, s.startDateTime, s.endDateTime, s.timeZone, s.sessions));
    return;
  }
  const zone = req.instrument.schedule.timeZoneId;
  const q = {
    instrument: req.instrument,
    endMs: req.endMs,
    duration: req.duration.duration,
    barSize: req.barSize,
    whatToShow: req.whatToShow,
    useRth: req.useRth,
  };
  const bars = buildBars(sim.quotes, q);
  if (bars.length === 0) {
    const what = capitalised(req.whatToShow);
    fail(
      session,
      req.reqId,
      hmdsError(`HMDS query returned no data: ${req.instrument.localSymbol}@${req.instrument.exchange} ${what}`),
    );
    return;
  }
  const start = formatBarTime(windowStart(q), req.formatDate, zone);
  const end = formatBarTime(req.endMs, req.formatDate, zone);
  session.send(
    enc.historicalData(
      req.reqId,
      start,
      end,
      bars.map((b) => toBarFields(b, req.barSize, req.formatDate, zone)),
    ),
  );
  if (!req.keepUpToDate) return;
  sim.openHistorical++;
  const stop = sim.clock.setRepeating(() => {
    const bar = currentBar(sim.quotes, q, sim.clock.now());
    if (bar) session.send(enc.historicalDataUpdate(req.reqId, toBarFields(bar, req.barSize, req.formatDate, zone)));
  }, KEEP_UP_TO_DATE_INTERVAL_MS);
  session.hold(histKey(req.reqId), () => {
    stop();
    sim.openHistorical--;
  });
}

export function registerHistoricalHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_HISTORICAL_DATA, (session, r, sim) => {
    const reqId = r.int();
    const contract = readContract(r);
    const includeExpired = r.bool();
    const endDateTime = r.str();
    const barSizeText = r.str();
    const durationText = r.str();
    const useRth = r.bool();
    const whatToShowText = r.str();
    const formatDate = r.int();
    if (contract.secType.toUpperCase() === 'BAG') r.skip(r.int() * 4);
    const keepUpToDate = r.bool();
    r.optionalStr(); // chartOptions

    const instrument = resolveInstrument(sim.catalog, { ...contract, includeExpired }, sim.todayYmd());
    if (!instrument) return fail(session, reqId, TWS_ERRORS.noSecurityDefinition);
    const barSize = parseBarSize(barSizeText);
    if (!barSize) return fail(session, reqId, validationError(BAR_SIZE_INVALID));
    const duration = parseDuration(durationText);
    if (!duration.ok) return fail(session, reqId, validationError(duration.cause));
    const whatToShow = parseWhatToShow(whatToShowText);
    if (!whatToShow) return fail(session, reqId, validationError(`What to show value of ${whatToShowText} rejected.`));
    if (formatDate !== 1 && formatDate !== 2)
      return fail(session, reqId, validationError(`Date formatting selection of ${formatDate} rejected.`));
    if (whatToShow === 'SCHEDULE' && barSize.unit !== 'day')
      return fail(session, reqId, validationError('Only daily resolution supported for Schedule requests'));
    if (keepUpToDate) {
      if (endDateTime.trim() !== '')
        return fail(session, reqId, validationError('End date not supported with live updates'));
      if (!['TRADES', 'MIDPOINT', 'BID', 'ASK'].includes(whatToShow))
        return fail(session, reqId, validationError('Source price not supported with live updates'));
    }
    if (whatToShow === 'ADJUSTED_LAST') {
      if (endDateTime.trim() !== '')
        return fail(session, reqId, validationError('End date not supported with adjusted last'));
      if (barSize.seconds > 86_400)
        return fail(session, reqId, validationError('Multi day bar size not supported with adjusted last'));
    }
    const now = sim.clock.now();
    const end = parseEndDate(endDateTime, now, sim.settings.twsTimeZone);
    if (!end.ok) return fail(session, reqId, { code: 10314, text: END_DATE_INVALID });
    if (end.impliedZone) session.error(reqId, 2174, IMPLIED_ZONE_WARNING);
    const step = checkStep(duration.duration, barSize);
    if (step) return fail(session, reqId, hmdsError(step));
    if ((whatToShow === 'TRADES' || whatToShow === 'ADJUSTED_LAST') && !instrument.hasTrades) {
      return fail(
        session,
        reqId,
        hmdsError(
          `No historical market data for ${instrument.symbol}/${instrument.secType}@${instrument.exchange} Last ${barSize.text}`,
        ),
      );
    }
    if (
      (whatToShow === 'HISTORICAL_VOLATILITY' || whatToShow === 'OPTION_IMPLIED_VOLATILITY') &&
      !hasVolatilityData(instrument, whatToShow)
    ) {
      return fail(
        session,
        reqId,
        hmdsError(
          `No historical market data for ${instrument.symbol}/${instrument.secType}@IBVOL ${VOLATILITY_LABEL[whatToShow]} ${barSize.seconds}`,
        ),
      );
    }
    if (sim.openHistorical >= sim.settings.maxOpenHistorical) {
      return fail(session, reqId, processingError('Only 50 simultaneous API historical data requests allowed.'));
    }
    const verdict = sim.pacer.admit(
      {
        identity: [
          instrument.conId,
          endDateTime.trim() === '' ? `now:${Math.floor(now / 1000)}` : endDateTime,
          barSize.text,
          durationText,
          useRth,
          whatToShow,
          keepUpToDate,
        ].join('|'),
        series: `${instrument.conId}|${instrument.exchange}|${whatToShow}`,
        barSeconds: barSize.seconds,
        bidAsk: whatToShow === 'BID_ASK',
      },
      now,
    );
    if (verdict !== 'ok') return fail(session, reqId, hmdsError('Historical data request pacing violation'));

    const req: HistoricalRequest = {
      reqId,
      instrument,
      barSize,
      whatToShow,
      useRth,
      formatDate,
      keepUpToDate,
      endMs: Math.min(end.endMs, now),
      duration,
    };
    if (!sim.historicalStalled) {
      answer(session, sim, req);
      return;
    }
    // Stalled (control surface): the request stays open, unanswered, until released or cancelled.
    sim.openHistorical++;
    let pending = true;
    const release = (): void => {
      if (!pending) return;
      pending = false;
      sim.openHistorical--;
      session.release(histKey(reqId));
      if (session.state === 'ready') answer(session, sim, req);
    };
    session.hold(histKey(reqId), () => {
      if (!pending) return;
      pending = false;
      sim.openHistorical--;
    });
    sim.stalledHistorical.push(release);
  });

  registry.register(IN.CANCEL_HISTORICAL_DATA, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    if (session.release(histKey(reqId))) {
      fail(session, reqId, hmdsError(`API historical data query cancelled: ${reqId}`));
      return;
    }
    session.error(reqId, TWS_ERRORS.noHistoricalQuery.code, `${TWS_ERRORS.noHistoricalQuery.text}${reqId}`);
  });

  registry.register(IN.REQ_HEAD_TIMESTAMP, (session, r, sim) => {
    const reqId = r.int();
    const contract = readContract(r);
    const includeExpired = r.bool();
    r.bool(); // useRTH
    const whatToShowText = r.str();
    const formatDate = r.int();
    const instrument = resolveInstrument(sim.catalog, { ...contract, includeExpired }, sim.todayYmd());
    if (!instrument) return fail(session, reqId, TWS_ERRORS.noSecurityDefinition);
    if (!parseWhatToShow(whatToShowText))
      return fail(session, reqId, validationError(`What to show value of ${whatToShowText} rejected.`));
    session.send(enc.headTimestamp(reqId, formatHeadTimestamp(sim.catalog.headTimestampMs(instrument), formatDate)));
  });

  registry.register(IN.CANCEL_HEAD_TIMESTAMP, (_session, r) => {
    r.int(); // reqId: the answer is already sent; nothing to cancel
  });

  registerHistogramHandlers(registry);
  registerHistoricalTickHandlers(registry);
}
