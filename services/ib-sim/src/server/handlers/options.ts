/**
 * Option requests: reqSecDefOptParams (the chain: one message 75 per exchange with every expiration and strike
 * of a trading class, then 76), calculateImpliedVolatility and calculateOptionPrice (answered once with a
 * tickOptionComputation of tick type 53 on the request id) and their cancels.
 */
import { findInstruments, resolveInstrument, symbolQuery } from '../../instruments/contract-query.js';
import type { Instrument } from '../../instruments/instrument.js';
import type { OptionSpec } from '../../market/option-model.js';
import { computationAtVol, computationFromPrice } from '../../market/option-ticks.js';
import { TICK } from '../../market/tick-types.js';
import { readContract } from '../../wire/contract-fields.js';
import * as enc from '../../wire/encoders.js';
import type { FieldReader } from '../../wire/fields.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { Session } from '../session.js';
import type { SimContext } from '../sim-context.js';
import { TWS_ERRORS, validationError } from '../tws-errors.js';

export interface ChainGroup {
  readonly exchange: string;
  readonly tradingClass: string;
  readonly multiplier: string;
  readonly expirations: string[];
  readonly strikes: number[];
}

/**
 * The chain of an underlying as TWS reports it: per exchange listing the options and per trading class, every
 * live expiration and strike (sorted). `exchangeFilter` ("" = all) narrows to one exchange.
 */
export function optionChain(options: readonly Instrument[], exchangeFilter: string): ChainGroup[] {
  const groups = new Map<
    string,
    { exchange: string; tradingClass: string; multiplier: string; exp: Set<string>; strikes: Set<number> }
  >();
  for (const o of options) {
    for (const exchange of o.validExchanges.split(',')) {
      if (exchangeFilter !== '' && exchange !== exchangeFilter) continue;
      const key = `${exchange}|${o.tradingClass}`;
      let g = groups.get(key);
      if (g === undefined) {
        g = {
          exchange,
          tradingClass: o.tradingClass,
          multiplier: String(o.multiplier),
          exp: new Set(),
          strikes: new Set(),
        };
        groups.set(key, g);
      }
      g.exp.add(o.lastTradeDate);
      g.strikes.add(o.strike);
    }
  }
  return [...groups.values()].map((g) => ({
    exchange: g.exchange,
    tradingClass: g.tradingClass,
    multiplier: g.multiplier,
    expirations: [...g.exp].sort(),
    strikes: [...g.strikes].sort((a, b) => a - b),
  }));
}

function underlyingOf(sim: SimContext, symbol: string, secType: string, conId: number): Instrument | undefined {
  if (conId > 0) return sim.catalog.get(conId);
  const hits = findInstruments(sim.catalog, symbolQuery(symbol, secType), sim.todayYmd());
  return hits.length === 1 ? hits[0] : undefined;
}

function readCalcRequest(r: FieldReader) {
  r.skip(); // version
  const reqId = r.int();
  const contract = readContract(r);
  const first = r.doubleMax();
  const underPrice = r.doubleMax();
  // The rest is an options TagValue list (ib_async sends a count before it): reserved by IB, ignored.
  while (r.remaining > 0) r.skip();
  return { reqId, contract, first, underPrice };
}

/** The option's model inputs now, with the caller's underlying price when given. */
function specFor(sim: SimContext, option: Instrument, underPrice: number | undefined): OptionSpec {
  const { spec } = sim.quotes.prices.optionAt(option, sim.quotes.effectiveTime(option, sim.clock.now()));
  return underPrice !== undefined && underPrice > 0 ? { ...spec, spot: underPrice } : spec;
}

function resolveOption(session: Session, sim: SimContext, reqId: number, contract: ReturnType<typeof readContract>) {
  const option = resolveInstrument(sim.catalog, { ...contract, includeExpired: false }, sim.todayYmd());
  if (option === undefined || option.secType !== 'OPT') {
    session.error(reqId, TWS_ERRORS.noSecurityDefinition.code, TWS_ERRORS.noSecurityDefinition.text);
    return undefined;
  }
  return option;
}

export function registerOptionHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_SEC_DEF_OPT_PARAMS, (session, r, sim) => {
    const reqId = r.int();
    const symbol = r.str();
    const futFopExchange = r.str().trim().toUpperCase();
    const secType = r.str();
    const conId = r.int();
    // TWS answers an unknown underlying, or one without options, with the end message alone.
    const under = underlyingOf(sim, symbol, secType, conId);
    if (under !== undefined) {
      const today = sim.todayYmd();
      const options = sim.catalog.instruments.filter(
        (i) => i.secType === 'OPT' && i.underConId === under.conId && i.lastTradeDate >= today,
      );
      for (const g of optionChain(options, futFopExchange))
        session.send(
          enc.secDefOptParams(reqId, g.exchange, under.conId, g.tradingClass, g.multiplier, g.expirations, g.strikes),
        );
    }
    session.send(enc.secDefOptParamsEnd(reqId));
  });

  registry.register(IN.REQ_CALC_IMPLIED_VOLAT, (session, r, sim) => {
    const { reqId, contract, first: optionPrice, underPrice } = readCalcRequest(r);
    const option = resolveOption(session, sim, reqId, contract);
    if (option === undefined) return;
    if (optionPrice === undefined || !(optionPrice > 0)) {
      const e = validationError('Invalid option price');
      session.error(reqId, e.code, e.text);
      return;
    }
    const spec = specFor(sim, option, underPrice);
    session.send(
      enc.tickOptionComputation(reqId, TICK.CUST_OPTION_COMPUTATION, 1, computationFromPrice(spec, optionPrice)),
    );
  });

  registry.register(IN.REQ_CALC_OPTION_PRICE, (session, r, sim) => {
    const { reqId, contract, first: volatility, underPrice } = readCalcRequest(r);
    const option = resolveOption(session, sim, reqId, contract);
    if (option === undefined) return;
    if (volatility === undefined || !(volatility > 0) || volatility > 10) {
      const e = validationError('Invalid volatility');
      session.error(reqId, e.code, e.text);
      return;
    }
    const spec = specFor(sim, option, underPrice);
    const c = computationAtVol(spec, volatility);
    session.send(enc.tickOptionComputation(reqId, TICK.CUST_OPTION_COMPUTATION, 0, c));
  });

  // One answer per request and nothing kept open: a cancel has nothing left to stop.
  registry.register(IN.CANCEL_CALC_IMPLIED_VOLAT, (_session, r) => {
    r.skip(); // version
    r.int();
  });
  registry.register(IN.CANCEL_CALC_OPTION_PRICE, (_session, r) => {
    r.skip(); // version
    r.int();
  });
}
