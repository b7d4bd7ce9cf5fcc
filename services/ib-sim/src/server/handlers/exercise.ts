/**
 * exerciseOptions. The exchange core has no exercise or assignment, so an exercise cannot be carried out; the
 * request is still answered on its id (a client waiting for the exercise's openOrder would otherwise wait
 * forever): 200 for a contract the catalog does not know, 321 for one that is not an option (TWS exercises
 * options only), and otherwise 322 saying the sim does not exercise. The 322 is the sim's own answer, not a TWS
 * text: real TWS would place an exercise order.
 */
import { findInstruments } from '../../instruments/contract-query.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import { processingError, TWS_ERRORS, validationError } from '../tws-errors.js';

export function registerExerciseHandlers(registry: HandlerRegistry): void {
  registry.register(IN.EXERCISE_OPTIONS, (session, r, sim) => {
    r.skip(); // version
    const tickerId = r.int();
    const conId = r.int();
    const symbol = r.str();
    const secType = r.str();
    const lastTradeDateOrContractMonth = r.str();
    const strike = r.doubleMax();
    const right = r.str();
    const multiplier = r.str();
    const exchange = r.str();
    const currency = r.str();
    const localSymbol = r.str();
    const tradingClass = r.str();
    const hits = findInstruments(
      sim.catalog,
      {
        conId,
        symbol,
        secType,
        lastTradeDateOrContractMonth,
        strike,
        right,
        multiplier,
        exchange,
        primaryExch: '',
        currency,
        localSymbol,
        tradingClass,
        includeExpired: false,
      },
      sim.todayYmd(),
    );
    const only = hits.length === 1 ? hits[0] : undefined;
    if (only === undefined) {
      session.error(tickerId, TWS_ERRORS.noSecurityDefinition.code, TWS_ERRORS.noSecurityDefinition.text);
      return;
    }
    if (only.secType !== 'OPT') {
      const e = validationError('Invalid security type for exercise');
      session.error(tickerId, e.code, e.text);
      return;
    }
    const e = processingError('option exercise is not simulated by ib-sim');
    session.error(tickerId, e.code, e.text);
  });
}
