/**
 * reqHistoricalTicks (96) → HISTORICAL_TICKS (96, MIDPOINT), HISTORICAL_TICKS_BID_ASK (97), HISTORICAL_TICKS_LAST
 * (98, TRADES): one reply with done = 1 holding up to numberOfTicks ticks (more when the last second has several),
 * from history/historical-ticks.ts. Paced like bars of 30 secs and below (IB's historical limitations page); dates
 * take the endDateTime forms of reqHistoricalData, with the same 10314 and 2174.
 */
import { END_DATE_INVALID, IMPLIED_ZONE_WARNING, parseEndDate } from '../../history/dates.js';
import { historicalTicks } from '../../history/historical-ticks.js';
import type { BidAskTick, HistoricalTickKind, LastTick, MidpointTick, TickEvent } from '../../history/tick-events.js';
import { resolveInstrument } from '../../instruments/contract-query.js';
import { readContract } from '../../wire/contract-fields.js';
import * as histEnc from '../../wire/history-encoders.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { Session } from '../session.js';
import { hmdsError, TWS_ERRORS, validationError } from '../tws-errors.js';

/** IB documents "Max currently 1000 per request"; larger requests are served 1000 (no TWS refusal text is known). */
const MAX_TICKS = 1_000;

const KINDS: Readonly<Record<string, HistoricalTickKind>> = {
  TRADES: 'TRADES',
  MIDPOINT: 'MIDPOINT',
  BID_ASK: 'BID_ASK',
};

const timeSec = (tMs: number): number => Math.floor(tMs / 1000);

const isLast = (t: TickEvent): t is LastTick => t.kind === 'TRADES';
const isBidAsk = (t: TickEvent): t is BidAskTick => t.kind === 'BID_ASK';
const isMidpoint = (t: TickEvent): t is MidpointTick => t.kind === 'MIDPOINT';

/** The reply of the request's kind; every tick in `ticks` is of that kind. */
function send(session: Session, reqId: number, kind: HistoricalTickKind, ticks: readonly TickEvent[]): void {
  if (kind === 'TRADES') {
    const last = ticks.filter(isLast).map((t) => ({ ...t, timeSec: timeSec(t.tMs) }));
    session.send(histEnc.historicalTicksLast(reqId, last, true));
  } else if (kind === 'BID_ASK') {
    const quotes = ticks.filter(isBidAsk).map((t) => ({ ...t, timeSec: timeSec(t.tMs) }));
    session.send(histEnc.historicalTicksBidAsk(reqId, quotes, true));
  } else {
    // Midpoint ticks carry no size: TWS sends 0.
    const mids = ticks.filter(isMidpoint).map((t) => ({ timeSec: timeSec(t.tMs), price: t.price, size: 0 }));
    session.send(histEnc.historicalTicks(reqId, mids, true));
  }
}

export function registerHistoricalTickHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_HISTORICAL_TICKS, (session, r, sim) => {
    const reqId = r.int();
    const contract = readContract(r);
    const includeExpired = r.bool();
    const startText = r.str().trim();
    const endText = r.str().trim();
    const numberOfTicks = r.int();
    const whatToShowText = r.str();
    const useRth = r.bool();
    const ignoreSize = r.bool();
    r.optionalStr(); // miscOptions: reserved by IB
    const fail = (e: { code: number; text: string }): void => session.error(reqId, e.code, e.text);

    const instrument = resolveInstrument(sim.catalog, { ...contract, includeExpired }, sim.todayYmd());
    if (!instrument) return fail(TWS_ERRORS.noSecurityDefinition);
    const kind = KINDS[whatToShowText.trim().toUpperCase()];
    if (!kind) return fail(validationError(`What to show value of ${whatToShowText} rejected.`));
    // Unverified texts: IB documents the rules (exactly one of start and end; at least one tick) but no capture of
    // TWS's refusal was found; 321 is its code for request validation.
    if ((startText === '') === (endText === ''))
      return fail(validationError('Exactly one of start date/time and end date/time must be specified'));
    if (numberOfTicks < 1) return fail(validationError(`Invalid number of ticks: ${numberOfTicks}`));
    const now = sim.clock.now();
    const date = parseEndDate(startText || endText, now, sim.settings.twsTimeZone);
    if (!date.ok) return fail({ code: 10314, text: END_DATE_INVALID });
    if (date.impliedZone) session.error(reqId, 2174, IMPLIED_ZONE_WARNING);
    if (kind === 'TRADES' && !instrument.hasTrades)
      return fail(
        hmdsError(
          `No historical market data for ${instrument.symbol}/${instrument.secType}@${instrument.exchange} Last 0`,
        ),
      );
    const verdict = sim.pacer.admit(
      {
        identity: ['ticks', instrument.conId, startText, endText, numberOfTicks, kind, useRth, ignoreSize].join('|'),
        series: `${instrument.conId}|${instrument.exchange}|${kind}`,
        barSeconds: 0,
        bidAsk: kind === 'BID_ASK',
      },
      now,
    );
    if (verdict !== 'ok') return fail(hmdsError('Historical data request pacing violation'));

    const ticks = historicalTicks(sim.quotes, {
      instrument,
      kind,
      useRth,
      ignoreSize,
      count: Math.min(numberOfTicks, MAX_TICKS),
      anchor: startText !== '' ? { fromMs: date.endMs } : { toMs: date.endMs },
      nowMs: now,
    });
    send(session, reqId, kind, ticks);
  });
}
