/**
 * reqPositions (+cancel), reqAccountSummary (+cancel, 2 per client), reqAccountUpdates,
 * reqAccountUpdatesMulti (+cancel), reqPnL / reqPnLSingle (+cancel), answered from the exchange core. All
 * accounts of the login are visible to every client, as at TWS.
 */
import type { ExchangeFront } from '../../broker/front.js';
import * as acc from '../../wire/account-encoders.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import { processingError } from '../tws-errors.js';

const MAX_SUMMARY_SUBSCRIPTIONS = 2;
const UNSUBSCRIBED_TEXT = 'New account data requested from TWS. API client has been unsubscribed from account data.';

export function registerAccountHandlers(registry: HandlerRegistry, front: ExchangeFront): void {
  const { exchange } = front;

  registry.register(IN.REQ_POSITIONS, (session) => {
    for (const p of exchange.positions()) {
      const i = front.instrument(p.instrumentId);
      if (i) session.send(acc.position(p.account, i, p.position, p.avgCost));
    }
    session.send(acc.positionEnd());
    front.subs.subscribePositions(session);
  });

  registry.register(IN.CANCEL_POSITIONS, (session) => {
    session.release('positions');
  });

  // One-shot answer: the sim has no model portfolios, so modelCode only echoes.
  registry.register(IN.REQ_POSITIONS_MULTI, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    const account = r.str();
    const modelCode = r.optionalStr();
    for (const p of exchange.positions()) {
      if (account !== '' && p.account !== account) continue;
      const i = front.instrument(p.instrumentId);
      if (i) session.send(acc.positionMulti(reqId, p.account, i, p.position, p.avgCost, modelCode));
    }
    session.send(acc.positionMultiEnd(reqId));
  });

  registry.register(IN.CANCEL_POSITIONS_MULTI, () => undefined);

  registry.register(IN.REQ_ACCOUNT_SUMMARY, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    r.str(); // group: "All" is the only group of a non-FA login
    const tags = r
      .str()
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (front.subs.summaryCount(session) >= MAX_SUMMARY_SUBSCRIPTIONS) {
      const e = processingError(
        'Maximum number of account summary requests exceeded; desubscribe to previous request first',
      );
      session.error(reqId, e.code, e.text);
      return;
    }
    front.subs.addSummary(session, { reqId, tags });
    front.sendSummary(session, reqId, tags);
  });

  registry.register(IN.CANCEL_ACCOUNT_SUMMARY, (session, r) => {
    r.skip(); // version
    session.release(`summary:${r.int()}`);
  });

  registry.register(IN.REQ_ACCOUNT_DATA, (session, r, sim) => {
    r.skip(); // version
    const subscribe = r.bool();
    const account = r.optionalStr() || (exchange.accounts()[0] ?? sim.settings.accounts[0] ?? '');
    if (!subscribe) {
      session.release('account-updates');
      return;
    }
    const current = front.subs.accountUpdates.get(session);
    if (current !== undefined && current !== account) session.error(-1, 2100, UNSUBSCRIBED_TEXT);
    if (!exchange.accounts().includes(account)) {
      session.send(acc.accountDownloadEnd(account));
      return;
    }
    front.subs.subscribeAccount(session, account);
    front.sendAccountDownload(session, account);
  });

  registry.register(IN.REQ_ACCOUNT_UPDATES_MULTI, (session, r, sim) => {
    r.skip(); // version
    const reqId = r.int();
    const account = r.str() || (exchange.accounts()[0] ?? '');
    const modelCode = r.optionalStr();
    if (exchange.accounts().includes(account)) {
      for (const v of exchange.accountValues(account, sim.clock.now())) {
        session.send(acc.accountUpdateMulti(reqId, v.account, modelCode, v.tag, v.value, v.currency));
      }
    }
    session.send(acc.accountUpdateMultiEnd(reqId));
  });

  registry.register(IN.CANCEL_ACCOUNT_UPDATES_MULTI, () => undefined);

  registry.register(IN.REQ_PNL, (session, r) => {
    const reqId = r.int();
    const account = r.str() || (exchange.accounts()[0] ?? '');
    r.optionalStr(); // modelCode
    if (!exchange.accounts().includes(account)) return;
    const sub = { reqId, account, conId: undefined };
    front.subs.addPnl(session, sub);
    front.sendPnl(session, sub);
  });

  registry.register(IN.REQ_PNL_SINGLE, (session, r) => {
    const reqId = r.int();
    const account = r.str() || (exchange.accounts()[0] ?? '');
    r.str(); // modelCode
    const conId = r.int();
    if (!exchange.accounts().includes(account)) return;
    const sub = { reqId, account, conId };
    front.subs.addPnl(session, sub);
    front.sendPnl(session, sub);
  });

  registry.register(IN.CANCEL_PNL, (session, r) => {
    session.release(`pnl:${r.int()}`);
  });

  registry.register(IN.CANCEL_PNL_SINGLE, (session, r) => {
    session.release(`pnl:${r.int()}`);
  });
}
