/**
 * Empty-but-correct answers for the order/account requests clients send at connect (ib_async waits for each
 * end marker, spec §5.1), until the exchange front registers the real handlers for the same ids.
 */
import { fmtInt } from '../../wire/fields.js';
import { IN, OUT } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import { TWS_ERRORS } from '../tws-errors.js';

export function registerPlaceholderHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_OPEN_ORDERS, (session) => session.send([String(OUT.OPEN_ORDER_END), '1']));
  registry.register(IN.REQ_ALL_OPEN_ORDERS, (session) => session.send([String(OUT.OPEN_ORDER_END), '1']));
  registry.register(IN.REQ_AUTO_OPEN_ORDERS, (session) => {
    if (session.clientId !== 0) session.error(-1, TWS_ERRORS.autoBindNotZero.code, TWS_ERRORS.autoBindNotZero.text);
  });
  registry.register(IN.REQ_COMPLETED_ORDERS, (session) => session.send([String(OUT.COMPLETED_ORDERS_END)]));
  registry.register(IN.REQ_POSITIONS, (session) => session.send([String(OUT.POSITION_END), '1']));
  registry.register(IN.CANCEL_POSITIONS, () => undefined);
  registry.register(IN.REQ_EXECUTIONS, (session, r) => {
    r.skip(); // version
    session.send([String(OUT.EXECUTION_DATA_END), '1', fmtInt(r.int())]);
  });
  registry.register(IN.REQ_ACCOUNT_DATA, (session, r, sim) => {
    r.skip(); // version
    const subscribe = r.bool();
    const account = r.optionalStr() || (sim.settings.accounts[0] ?? '');
    if (subscribe) session.send([String(OUT.ACCT_DOWNLOAD_END), '1', account]);
  });
  registry.register(IN.REQ_ACCOUNT_UPDATES_MULTI, (session, r) => {
    r.skip(); // version
    session.send([String(74), '1', fmtInt(r.int())]);
  });
  registry.register(IN.REQ_ACCOUNT_SUMMARY, (session, r) => {
    r.skip(); // version
    session.send([String(OUT.ACCOUNT_SUMMARY_END), '1', fmtInt(r.int())]);
  });
  registry.register(IN.CANCEL_ACCOUNT_SUMMARY, () => undefined);
}
