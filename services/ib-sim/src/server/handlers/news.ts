/**
 * News of a paper account: reqNewsProviders (the three free API feeds every account has since TWS 966),
 * reqHistoricalNews and reqNewsArticle (checked as TWS checks them; the sim keeps no stories, so a valid query
 * finds none), reqNewsBulletins / cancelNewsBulletins (accepted; the sim issues no bulletins) and the Wall Street
 * Horizon calendar (reqWshMetaData / reqWshEventData refused as for an account without that feed).
 */
import { IN } from '../../wire/message-ids.js';
import * as ref from '../../wire/reference-encoders.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { Session } from '../session.js';
import { TWS_ERRORS, validationErrorIn } from '../tws-errors.js';

/** IB's API news docs: BRFG, BRFUPDN and DJNL are enabled in every account; the names are TWS's wire texts. */
export const PAPER_NEWS_PROVIDERS: readonly ref.NewsProvider[] = [
  { code: 'BRFG', name: 'Briefing.com General Market Columns' },
  { code: 'BRFUPDN', name: 'Briefing.com Analyst Actions' },
  { code: 'DJNL', name: 'Dow Jones Newsletters' },
];

/** Most headlines one historical news request returns. */
const MAX_NEWS_RESULTS = 300;

/** TWS compares provider codes without case (ibx, from the reference gateway). */
function subscribed(code: string): boolean {
  return PAPER_NEWS_PROVIDERS.some((p) => p.code.toUpperCase() === code.trim().toUpperCase());
}

/** `BRFG+DJNL` as Java's split on `+` reads it: trailing empty codes dropped, an empty text is one empty code. */
function providerCodes(text: string): string[] {
  const codes = text.split('+');
  if (text !== '') while (codes.length > 1 && codes[codes.length - 1] === '') codes.pop();
  return codes;
}

export function registerNewsHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_NEWS_PROVIDERS, (session) => {
    session.send(ref.newsProviders(PAPER_NEWS_PROVIDERS));
  });

  registry.register(IN.REQ_HISTORICAL_NEWS, (session, r) => {
    const reqId = r.int();
    r.skip(); // conId: no story of any contract is kept
    const codes = providerCodes(r.str());
    r.skip(2); // startDateTime, endDateTime
    const total = r.int();
    const missing = codes.find((c) => !subscribed(c));
    if (missing !== undefined) {
      const e = validationErrorIn('ca', `Not subscribed for '${missing}' provider`);
      session.error(reqId, e.code, e.text);
      return;
    }
    if (Math.min(total, MAX_NEWS_RESULTS) <= 0) {
      const e = validationErrorIn('ca', 'Total results must be > 0');
      session.error(reqId, e.code, e.text);
      return;
    }
    session.send(ref.historicalNewsEnd(reqId, false));
  });

  registry.register(IN.REQ_NEWS_ARTICLE, (session, r) => {
    const reqId = r.int();
    const provider = r.str();
    const articleId = r.str();
    if (!subscribed(provider)) {
      const e = validationErrorIn('cg', `Not subscribed for '${provider}' provider`);
      session.error(reqId, e.code, e.text);
      return;
    }
    if (articleId === '') {
      const e = validationErrorIn('cg', 'Article ID must not be empty');
      session.error(reqId, e.code, e.text);
      return;
    }
    session.error(reqId, TWS_ERRORS.newsArticleNoData.code, TWS_ERRORS.newsArticleNoData.text);
  });

  // The subscription has nothing to deliver: TWS answers neither the request nor its cancel.
  registry.register(IN.REQ_NEWS_BULLETINS, () => undefined);
  registry.register(IN.CANCEL_NEWS_BULLETINS, () => undefined);

  // Permission first: without the WSH feed both requests end in 10276 (ibx#443, the reference gateway).
  const refuseWsh = (session: Session, reqId: number): void =>
    session.error(reqId, TWS_ERRORS.wshNotAllowed.code, TWS_ERRORS.wshNotAllowed.text);
  registry.register(IN.REQ_WSH_META_DATA, (session, r) => refuseWsh(session, r.int()));
  registry.register(IN.REQ_WSH_EVENT_DATA, (session, r) => refuseWsh(session, r.int()));
  registry.register(IN.CANCEL_WSH_META_DATA, () => undefined);
  registry.register(IN.CANCEL_WSH_EVENT_DATA, () => undefined);
}
