/**
 * reqTickByTickData (97) / cancelTickByTickData (98) → TICK_BY_TICK (99). numberOfTicks > 0 first sends that many
 * recent ticks (at most 1000), then the stream continues on the sim clock. Refusals, in TWS's order of checks:
 * 102 duplicate id, 200 unknown contract, 10189 tick type not offered for the instrument, 10190 account-wide
 * tick-by-tick limit, 101 market-data line budget; cancel of an unknown id: 300.
 */

import type { Instrument } from '../../instruments/instrument.js';
import {
  parseTickByTickType,
  TICK_BY_TICK_WIRE,
  type TickByTick,
  TickByTickStream,
  type TickByTickType,
} from '../../market/tick-by-tick.js';
import { readContract } from '../../wire/contract-fields.js';
import type { FieldReader } from '../../wire/fields.js';
import { tickByTick } from '../../wire/market-extras-encoders.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import {
  EXTRAS_ERRORS,
  returnLines,
  TICK_BY_TICK_LINES,
  takeLines,
  takeTickByTick,
  tickByTickFull,
} from '../market-extras-limits.js';
import type { Session } from '../session.js';
import type { SimContext } from '../sim-context.js';
import { TWS_ERRORS } from '../tws-errors.js';
import { admitStream } from './stream-admission.js';

const tbtKey = (reqId: number): string => `tbt:${reqId}`;

function readTickByTickRequest(r: FieldReader) {
  const reqId = r.int();
  const contract = readContract(r);
  const tickType = r.str();
  // Both present at sv ≥ 140 (TICK_BY_TICK_IGNORE_SIZE); every client we serve is above it.
  const numberOfTicks = r.remaining > 0 ? r.int() : 0;
  const ignoreSize = r.remaining > 0 ? r.bool() : false;
  return { reqId, contract, tickType, numberOfTicks, ignoreSize };
}

/** Why TWS would not stream this type for this instrument, or undefined when it does. */
function unsupportedReason(instrument: Instrument, type: TickByTickType): string | undefined {
  if (instrument.secType === 'OPT') return 'Tick-by-tick data for options is only available historically.';
  // IB: "Tick-by-tick data for indices is only provided for indices which are on CME."
  if (instrument.secType === 'IND')
    return `${type} tick-by-tick requests are not supported for ${instrument.localSymbol}.`;
  const trades = type === 'Last' || type === 'AllLast';
  // Quote-only instruments have no trades; gold answers BidAsk with this text too (seen for XAUUSD).
  if ((trades && !instrument.hasTrades) || (type === 'BidAsk' && instrument.secType === 'CMDTY')) {
    return `${type} tick-by-tick requests are not supported for ${instrument.localSymbol}.`;
  }
  return undefined;
}

function send(session: Session, reqId: number, type: TickByTickType, ticks: readonly TickByTick[]): void {
  const wireType = TICK_BY_TICK_WIRE[type];
  for (const t of ticks) session.send(tickByTick(reqId, wireType, t));
}

export function registerTickByTickHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_TICK_BY_TICK_DATA, (session, r, sim: SimContext) => {
    const req = readTickByTickRequest(r);
    const { reqId } = req;
    const instrument = admitStream(session, sim, reqId, tbtKey(reqId), req.contract);
    if (!instrument) return;
    const type = parseTickByTickType(req.tickType);
    const reason = type === undefined ? `Invalid tick type: ${req.tickType}.` : unsupportedReason(instrument, type);
    if (type === undefined || reason !== undefined) {
      const e = EXTRAS_ERRORS.tickByTickFailed(reason ?? '');
      session.error(reqId, e.code, e.text);
      return;
    }
    if (tickByTickFull(sim)) {
      session.error(reqId, EXTRAS_ERRORS.maxTickByTick.code, EXTRAS_ERRORS.maxTickByTick.text);
      return;
    }
    if (!takeLines(sim, TICK_BY_TICK_LINES)) {
      session.error(reqId, TWS_ERRORS.maxTickers.code, TWS_ERRORS.maxTickers.text);
      return;
    }
    const releaseSlot = takeTickByTick(sim);
    const stream = new TickByTickStream(sim.quotes, instrument, type, req.ignoreSize);
    send(session, reqId, type, stream.start(sim.clock.now(), req.numberOfTicks));
    const stop = sim.clock.setRepeating(
      () => send(session, reqId, type, stream.advance(sim.clock.now())),
      instrument.tickIntervalMs,
    );
    session.hold(tbtKey(reqId), () => {
      stop();
      releaseSlot();
      returnLines(sim, TICK_BY_TICK_LINES);
    });
  });

  registry.register(IN.CANCEL_TICK_BY_TICK_DATA, (session, r) => {
    const reqId = r.int();
    if (!session.release(tbtKey(reqId))) {
      session.error(reqId, TWS_ERRORS.cantFindTicker.code, `${TWS_ERRORS.cantFindTicker.text}${reqId}`);
    }
  });
}
