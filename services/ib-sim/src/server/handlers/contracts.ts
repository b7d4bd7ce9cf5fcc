/** reqContractDetails and reqMatchingSymbols. */
import { findInstruments, matchSymbols } from '../../instruments/contract-query.js';
import type { Instrument } from '../../instruments/instrument.js';
import { readContract } from '../../wire/contract-fields.js';
import * as enc from '../../wire/encoders.js';
import { IN, SV } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { SimContext } from '../sim-context.js';
import { TWS_ERRORS } from '../tws-errors.js';

function derivativeTypes(sim: SimContext, i: Instrument): string[] {
  const types = new Set<string>();
  for (const other of sim.catalog.instruments) {
    if (other.underConId === i.conId || (other.secType === 'FUT' && other.underConId === i.conId))
      types.add(other.secType);
  }
  if (i.secType === 'IND' && i.symbol === 'SPX') types.add('FUT');
  return [...types];
}

export function registerContractHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_CONTRACT_DATA, (session, r, sim) => {
    r.skip(); // version
    const reqId = r.int();
    const contract = readContract(r);
    const includeExpired = r.bool();
    r.str(); // secIdType
    r.str(); // secId
    if (session.serverVersion >= SV.BOND_ISSUERID) r.optionalStr(); // issuerId
    const hits = findInstruments(sim.catalog, { ...contract, includeExpired }, sim.todayYmd());
    if (hits.length === 0) {
      session.error(reqId, TWS_ERRORS.noSecurityDefinition.code, TWS_ERRORS.noSecurityDefinition.text);
      return;
    }
    const now = sim.clock.now();
    const requested = contract.exchange.trim().toUpperCase();
    for (const i of hits) {
      session.send(
        enc.contractData(reqId, i, {
          exchange: requested !== '' && i.validExchanges.split(',').includes(requested) ? requested : i.exchange,
          tradingHours: i.schedule.describe(now, true),
          liquidHours: i.schedule.describe(now, false),
        }),
      );
    }
    session.send(enc.contractDataEnd(reqId));
  });

  registry.register(IN.REQ_MATCHING_SYMBOLS, (session, r, sim) => {
    const reqId = r.int();
    const pattern = r.str();
    const hits = matchSymbols(sim.catalog, pattern);
    session.send(enc.symbolSamples(session.serverVersion, reqId, hits, (i) => derivativeTypes(sim, i)));
  });
}
