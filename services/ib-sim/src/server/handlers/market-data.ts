/**
 * reqMktData / cancelMktData (streaming and snapshot, generic ticks, delayed types) and
 * reqRealTimeBars / cancelRealTimeBars. Streaming lines are budgeted across all clients (101 past the limit).
 */

import { parseWhatToShow } from '../../history/bar-size.js';
import { realtimeBarAt } from '../../history/realtime.js';
import { resolveInstrument } from '../../instruments/contract-query.js';
import type { Instrument } from '../../instruments/instrument.js';
import { TickStream } from '../../market/tick-stream.js';
import { LEGAL_GENERIC_TEXT, LEGAL_GENERIC_TICKS } from '../../market/tick-types.js';
import { readContract } from '../../wire/contract-fields.js';
import * as enc from '../../wire/encoders.js';
import type { FieldReader } from '../../wire/fields.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import { pumpHighRate } from '../high-rate-pump.js';
import type { Session } from '../session.js';
import type { SimContext } from '../sim-context.js';
import { TWS_ERRORS, validationError } from '../tws-errors.js';

export const mktKey = (tickerId: number): string => `mkt:${tickerId}`;
const rtbKey = (tickerId: number): string => `rtb:${tickerId}`;

function readMktDataRequest(r: FieldReader) {
  r.skip(); // version
  const tickerId = r.int();
  const contract = readContract(r);
  if (contract.secType.toUpperCase() === 'BAG') {
    const legs = r.int();
    r.skip(legs * 4);
  }
  if (r.bool()) r.skip(3); // delta-neutral contract
  const genericTickList = r.str();
  const snapshot = r.bool();
  const regulatorySnapshot = r.optionalStr() === '1';
  r.optionalStr(); // mktDataOptions
  return { tickerId, contract, genericTickList, snapshot: snapshot || regulatorySnapshot };
}

function parseGenericTicks(list: string): { ticks: Set<number>; bad: string | undefined } {
  const ticks = new Set<number>();
  for (const token of list.split(',').map((t) => t.trim())) {
    if (token === '' || token.toLowerCase() === 'mdoff') continue;
    const n = Number(token.split(':')[0]);
    if (!Number.isInteger(n) || !LEGAL_GENERIC_TICKS.has(n)) return { ticks, bad: token };
    ticks.add(n);
  }
  return { ticks, bad: undefined };
}

/** The market data type announced for this request given the session's reqMarketDataType. */
function announcedType(session: Session, instrument: Instrument, nowMs: number): number {
  const open = instrument.schedule.isOpen(nowMs, true);
  switch (session.marketDataType) {
    case 2:
      return open ? 1 : 2;
    case 3:
      return 3;
    case 4:
      return open ? 3 : 4;
    default:
      return 1;
  }
}

function startStream(session: Session, sim: SimContext, stream: TickStream, instrument: Instrument): () => void {
  if (sim.settings.highRateTicksPerSec > 0) return pumpHighRate(session, sim, stream);
  return sim.clock.setRepeating(() => {
    for (const m of stream.update(sim.clock.now())) session.send(m);
  }, instrument.tickIntervalMs);
}

export function registerMarketDataHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_MKT_DATA, (session, r, sim) => {
    const req = readMktDataRequest(r);
    const { tickerId } = req;
    if (session.holds(mktKey(tickerId))) {
      session.error(tickerId, TWS_ERRORS.duplicateTicker.code, TWS_ERRORS.duplicateTicker.text);
      return;
    }
    const instrument = resolveInstrument(sim.catalog, { ...req.contract, includeExpired: false }, sim.todayYmd());
    if (!instrument) {
      session.error(tickerId, TWS_ERRORS.noSecurityDefinition.code, TWS_ERRORS.noSecurityDefinition.text);
      return;
    }
    const generic = parseGenericTicks(req.genericTickList);
    if (generic.bad !== undefined) {
      const e = validationError(
        `Incorrect generic tick list of ${generic.bad}.  Legal ones for (${instrument.secType}) are: ${LEGAL_GENERIC_TEXT}`,
      );
      session.error(tickerId, e.code, e.text);
      return;
    }
    if (req.snapshot && generic.ticks.size > 0) {
      const e = validationError('Snapshot market data subscription is not applicable to generic ticks');
      session.error(tickerId, e.code, e.text);
      return;
    }
    if (!req.snapshot && sim.marketDataLines >= sim.settings.maxMarketDataLines) {
      session.error(tickerId, TWS_ERRORS.maxTickers.code, TWS_ERRORS.maxTickers.text);
      return;
    }
    const now = sim.clock.now();
    const type = announcedType(session, instrument, now);
    const stream = new TickStream(
      sim.quotes,
      instrument,
      tickerId,
      type >= 3,
      sim.settings.delayedByMs,
      generic.ticks,
      sim.settings.tradeTimes === 'sim' ? (simMs) => simMs : () => Date.now(),
    );
    session.send(enc.tickReqParams(tickerId, instrument.minTick, instrument.secType === 'STK' ? '9c0001' : '', 3));
    session.send(enc.marketDataType(tickerId, type));
    for (const m of stream.initial(now)) session.send(m);
    if (req.snapshot) {
      session.send(enc.tickSnapshotEnd(tickerId));
      return;
    }
    sim.marketDataLines++;
    const stop = startStream(session, sim, stream, instrument);
    session.hold(mktKey(tickerId), () => {
      stop();
      sim.marketDataLines--;
    });
  });

  registry.register(IN.CANCEL_MKT_DATA, (session, r) => {
    r.skip(); // version (ib_async sends 2)
    const tickerId = r.int();
    if (!session.release(mktKey(tickerId))) {
      session.error(tickerId, TWS_ERRORS.cantFindTicker.code, `${TWS_ERRORS.cantFindTicker.text}${tickerId}`);
    }
  });

  registry.register(IN.REQ_REAL_TIME_BARS, (session, r, sim) => {
    r.skip(); // version
    const tickerId = r.int();
    const contract = readContract(r);
    r.optionalStr(); // barSize: always 5
    const whatToShow = parseWhatToShow(r.str());
    const useRth = r.bool();
    r.optionalStr(); // realTimeBarsOptions
    if (session.holds(rtbKey(tickerId))) {
      session.error(tickerId, TWS_ERRORS.duplicateTicker.code, TWS_ERRORS.duplicateTicker.text);
      return;
    }
    const instrument = resolveInstrument(sim.catalog, { ...contract, includeExpired: false }, sim.todayYmd());
    if (!instrument) {
      session.error(tickerId, TWS_ERRORS.noSecurityDefinition.code, TWS_ERRORS.noSecurityDefinition.text);
      return;
    }
    if (whatToShow === undefined || !['TRADES', 'MIDPOINT', 'BID', 'ASK'].includes(whatToShow)) {
      const e = validationError('Invalid what to show for real time bars.');
      session.error(tickerId, e.code, e.text);
      return;
    }
    // Bars close on the 5-second grid of the sim clock; one bar per boundary, none while closed.
    let cancelTimer: (() => void) | undefined;
    const schedule = (): void => {
      const now = sim.clock.now();
      const next = Math.floor(now / 5_000) * 5_000 + 5_000;
      cancelTimer = sim.clock.setTimer(() => {
        const bar = realtimeBarAt(sim.quotes, instrument, whatToShow, useRth, next - 5_000);
        if (bar) session.send(bar.fields(tickerId));
        schedule();
      }, next - now);
    };
    schedule();
    session.hold(rtbKey(tickerId), () => cancelTimer?.());
  });

  registry.register(IN.CANCEL_REAL_TIME_BARS, (session, r) => {
    r.skip(); // version
    session.release(rtbKey(r.int()));
  });
}
