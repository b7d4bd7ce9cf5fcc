/** reqCurrentTime, reqIds, reqManagedAccts, reqMarketDataType. */
import * as enc from '../../wire/encoders.js';
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';

export function registerConnectionHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_CURRENT_TIME, (session, _r, sim) => {
    session.send(enc.currentTime(Math.floor(sim.clock.now() / 1000)));
  });
  registry.register(IN.REQ_IDS, (session, r, sim) => {
    r.skip(); // version
    r.optionalStr(); // numIds: ignored by TWS
    session.send(enc.nextValidId(sim.nextOrderId(session.clientId ?? 0)));
  });
  registry.register(IN.REQ_MANAGED_ACCTS, (session, _r, sim) => {
    session.send(enc.managedAccounts(sim.settings.accounts));
  });
  registry.register(IN.REQ_MARKET_DATA_TYPE, (session, r) => {
    r.skip(); // version
    const type = r.int();
    if (type >= 1 && type <= 4) session.marketDataType = type;
  });
}
