/**
 * Reference-data requests of a paper account: reqMarketRule, reqFamilyCodes, reqSmartComponents,
 * reqSoftDollarTiers, reqUserInfo, reqFundamentalData (refused as TWS refuses an account without fundamentals),
 * cancelFundamentalData and setServerLogLevel (accepted, no answer). Request layouts are those of
 * EClient.java / @stoqey/ib's encoder at sv 176–178; only the fields the answer needs are read, so ib_async's
 * variants (a count before fundamentalDataOptions) parse too.
 */
import { findInstruments, symbolQuery } from '../../instruments/contract-query.js';
import { marketRule } from '../../instruments/market-rules.js';
import type { FieldReader } from '../../wire/fields.js';
import { IN } from '../../wire/message-ids.js';
import * as ref from '../../wire/reference-encoders.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { Session } from '../session.js';
import type { SimContext } from '../sim-context.js';
import { processingErrorIn, TWS_ERRORS, validationErrorIn } from '../tws-errors.js';

/**
 * The exchange map behind the BBO exchange code tick 81 (tickReqParams) reports for US stocks. The sim sends
 * `9c0001` (code `9c`, security type 0001 = STK, the form in IB's docs); a 2026 paper gateway answered the code
 * `a6` with this list. Bits 0–12 are that live capture; bits 13–17 follow the SIP participant letters for the
 * exchanges the capture cut off (PSX X, BYX Y, BATS Z, MEMX U, PEARL H), so they are inferred.
 */
const US_STOCK_COMPONENTS: readonly ref.SmartComponent[] = [
  ['AMEX', 'A'],
  ['BEX', 'B'],
  ['NYSENAT', 'C'],
  ['NYSE', 'N'],
  ['ISE', 'I'],
  ['EDGEA', 'J'],
  ['DRCTEDGE', 'K'],
  ['LTSE', 'L'],
  ['CHX', 'M'],
  ['ARCA', 'P'],
  ['NASDAQ', 'T'],
  ['IEX', 'V'],
  ['T24X', 'G'],
  ['PSX', 'X'],
  ['BYX', 'Y'],
  ['BATS', 'Z'],
  ['MEMX', 'U'],
  ['PEARL', 'H'],
].map(([exchange, exchangeLetter], bitNumber) => ({
  bitNumber,
  exchange: exchange as string,
  exchangeLetter: exchangeLetter as string,
}));

const BBO_EXCHANGE_MAPS: ReadonlyMap<string, readonly ref.SmartComponent[]> = new Map([
  ['9c0001', US_STOCK_COMPONENTS],
  ['a6', US_STOCK_COMPONENTS],
]);

/** A paper IBKR account is no white-branded broker's account: its whiteBrandingId is empty. */
const WHITE_BRANDING_ID = '';

function readFundamentalsRequest(r: FieldReader): { reqId: number; conId: number; symbol: string; secType: string } {
  r.skip(); // version
  const reqId = r.int();
  const conId = r.int();
  const symbol = r.str();
  const secType = r.str();
  return { reqId, conId, symbol, secType };
}

export function registerReferenceDataHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_MARKET_RULE, (session, r) => {
    const ruleId = r.int();
    const rule = marketRule(ruleId);
    if (rule === undefined) {
      // No request id in this message: TWS answers on id -1 (ibx, from the reference gateway).
      const e = processingErrorIn('cd', `Market rule with id = ${ruleId} is missing`);
      session.error(-1, e.code, e.text);
      return;
    }
    session.send(ref.marketRule(ruleId, rule));
  });

  // Family codes group the accounts of an advisor or broker family; a stand-alone paper account belongs to none,
  // so each managed account is listed with an empty code (no public capture shows the value: a choice).
  registry.register(IN.REQ_FAMILY_CODES, (session, _r, sim) => {
    session.send(ref.familyCodes(sim.settings.accounts.map((accountId) => ({ accountId, familyCode: '' }))));
  });

  registry.register(IN.REQ_SMART_COMPONENTS, (session, r) => {
    const reqId = r.int();
    const bbo = r.str().trim();
    const components = BBO_EXCHANGE_MAPS.get(bbo);
    if (components === undefined) {
      const e = validationErrorIn('V', 'Invalid BBO exchange/security type code');
      session.error(reqId, e.code, e.text);
      return;
    }
    session.send(ref.smartComponents(reqId, components));
  });

  registry.register(IN.REQ_SOFT_DOLLAR_TIERS, (session, r) => {
    session.send(ref.softDollarTiers(r.int()));
  });

  registry.register(IN.REQ_USER_INFO, (session, r) => {
    session.send(ref.userInfo(r.int(), WHITE_BRANDING_ID));
  });

  registry.register(IN.REQ_FUNDAMENTAL_DATA, (session, r, sim) => refuseFundamentals(session, r, sim));

  // Nothing is ever running, and TWS answers no cancel of a request it has finished.
  registry.register(IN.CANCEL_FUNDAMENTAL_DATA, () => undefined);

  // TWS only changes the level of its API log; there is no answer.
  registry.register(IN.SET_SERVER_LOGLEVEL, (session, r) => {
    r.skip(); // version
    session.log.debug({ logLevel: r.optionalStr() }, 'setServerLogLevel accepted');
  });
}

/**
 * A paper account has no fundamentals entitlement: a stock gets 10358 (what TWS answers every report type since
 * IB moved the Reuters reports behind a subscription; older TWS answered 430 "We are sorry, but fundamentals data
 * for the security specified is not available."). A non-stock is refused locally first (321 'bL'), a contract
 * the catalog does not know gets 200 (TWS looks the contract up before asking the fundamentals server).
 */
function refuseFundamentals(session: Session, r: FieldReader, sim: SimContext): void {
  const q = readFundamentalsRequest(r);
  if (q.secType.trim().toUpperCase() !== 'STK' && q.conId <= 0) {
    const e = validationErrorIn('bL', 'Please enter a valid security type');
    session.error(q.reqId, e.code, e.text);
    return;
  }
  const hits = findInstruments(sim.catalog, symbolQuery(q.symbol, q.secType, q.conId), sim.todayYmd());
  if (hits.length === 0) {
    session.error(q.reqId, TWS_ERRORS.noSecurityDefinition.code, TWS_ERRORS.noSecurityDefinition.text);
    return;
  }
  if (hits.some((i) => i.secType !== 'STK')) {
    const e = validationErrorIn('bL', 'Please enter a valid security type');
    session.error(q.reqId, e.code, e.text);
    return;
  }
  session.error(q.reqId, TWS_ERRORS.fundamentalsNotAllowed.code, TWS_ERRORS.fundamentalsNotAllowed.text);
}
