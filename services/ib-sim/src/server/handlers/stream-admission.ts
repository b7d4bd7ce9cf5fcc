/**
 * The first checks of a new streaming request (tick-by-tick, market depth), in TWS's order: a request id still
 * streaming on this connection is refused 102, a contract the catalog cannot resolve 200.
 */
import type { ContractQuery } from '../../instruments/contract-query.js';
import { resolveInstrument } from '../../instruments/contract-query.js';
import type { Instrument } from '../../instruments/instrument.js';
import type { Session } from '../session.js';
import type { SimContext } from '../sim-context.js';
import { TWS_ERRORS } from '../tws-errors.js';

/** The request's instrument, or undefined once its refusal is sent. `key` is the session's hold of the stream. */
export function admitStream(
  session: Session,
  sim: SimContext,
  reqId: number,
  key: string,
  contract: Omit<ContractQuery, 'includeExpired'>,
): Instrument | undefined {
  if (session.holds(key)) {
    session.error(reqId, TWS_ERRORS.duplicateTicker.code, TWS_ERRORS.duplicateTicker.text);
    return undefined;
  }
  const instrument = resolveInstrument(sim.catalog, { ...contract, includeExpired: false }, sim.todayYmd());
  if (!instrument) session.error(reqId, TWS_ERRORS.noSecurityDefinition.code, TWS_ERRORS.noSecurityDefinition.text);
  return instrument;
}
