/**
 * placeOrder, cancelOrder, reqGlobalCancel, reqOpenOrders, reqAllOpenOrders, reqAutoOpenOrders,
 * reqCompletedOrders and reqExecutions, answered from the exchange core. Orders belong to the clientId of
 * the session that placed them.
 */

import { FilterTimeError } from '@trading-system/exchange';
import type { ExchangeFront } from '../../broker/front.js';
import { coreIdOf } from '../../broker/ports.js';
import { previewOrder } from '../../broker/what-if.js';
import { resolveInstrument } from '../../instruments/contract-query.js';
import { MessageParseError } from '../../wire/fields.js';
import { IN } from '../../wire/message-ids.js';
import * as ord from '../../wire/order-encoders.js';
import { readCancelOrder, readPlaceOrder, readWhatIf } from '../../wire/place-order.js';
import type { HandlerRegistry } from '../dispatcher.js';
import { TWS_ERRORS, validationError } from '../tws-errors.js';

export function registerOrderHandlers(registry: HandlerRegistry, front: ExchangeFront): void {
  const { exchange } = front;

  registry.register(IN.PLACE_ORDER, (session, r, sim) => {
    const m = readPlaceOrder(r);
    const clientId = session.clientId ?? 0;
    if (sim.placeOrdersToLose > 0) {
      // Fault injection: the order never reached TWS (no order, no id noted, no answer of any kind).
      sim.placeOrdersToLose -= 1;
      session.log.warn({ orderId: m.orderId, orderRef: m.orderRef }, 'placeOrder lost on purpose (control)');
      return;
    }
    sim.noteOrderId(clientId, m.orderId);
    const instrument = resolveInstrument(sim.catalog, { ...m.contract, includeExpired: false }, sim.todayYmd());
    const req = {
      orderId: m.orderId,
      clientId,
      instrumentId: coreIdOf(instrument?.conId ?? 0),
      action: m.action,
      totalQuantity: m.totalQuantity,
      orderType: m.orderType,
      lmtPrice: m.lmtPrice,
      auxPrice: m.auxPrice,
      tif: m.tif,
      outsideRth: m.outsideRth,
      account: m.account,
      orderRef: m.orderRef,
      parentId: m.parentId,
    };
    let whatIf = false;
    try {
      whatIf = readWhatIf(r, session.serverVersion, m.contract.secType);
    } catch (err) {
      // The head is what the sim acts on; a tail it cannot follow (an order type or group it does not know)
      // must not cost the client its connection, so the order is taken as a real one and the reason logged.
      if (!(err instanceof MessageParseError)) throw err;
      session.log.warn({ err, orderId: m.orderId }, 'placeOrder tail unreadable: whatIf taken as false');
    }
    if (!whatIf) {
      exchange.placeOrder(req);
      return;
    }
    const preview = previewOrder(
      exchange,
      req,
      instrument,
      (conId, t) => sim.quotes.quoteAt(conId, t),
      sim.clock.now(),
    );
    if (!preview.ok) {
      session.error(m.orderId, preview.error.code, preview.error.message);
      return;
    }
    front.sendOpenOrder(session, preview.order, preview.state);
  });

  registry.register(IN.CANCEL_ORDER, (session, r) => {
    exchange.cancelOrder(session.clientId ?? 0, readCancelOrder(r));
  });

  registry.register(IN.REQ_GLOBAL_CANCEL, () => {
    exchange.globalCancel();
  });

  registry.register(IN.REQ_OPEN_ORDERS, (session) => {
    for (const o of exchange.openOrders(session.clientId ?? 0)) {
      front.sendOpenOrder(session, o);
      session.send(ord.orderStatusOf(o));
    }
    session.send(ord.openOrderEnd());
  });

  registry.register(IN.REQ_ALL_OPEN_ORDERS, (session) => {
    for (const o of exchange.openOrders()) {
      front.sendOpenOrder(session, o);
      session.send(ord.orderStatusOf(o));
    }
    session.send(ord.openOrderEnd());
  });

  registry.register(IN.REQ_AUTO_OPEN_ORDERS, (session, r) => {
    r.skip(); // version
    const autoBind = r.bool();
    if (session.clientId !== 0) {
      session.error(-1, TWS_ERRORS.autoBindNotZero.code, TWS_ERRORS.autoBindNotZero.text);
      return;
    }
    if (autoBind) front.subs.bind(session);
    else session.release('auto-bind');
  });

  registry.register(IN.REQ_COMPLETED_ORDERS, (session, r) => {
    r.optionalStr(); // apiOnly: every sim order is an API order
    for (const o of exchange.completedOrders()) front.sendCompletedOrder(session, o);
    session.send(ord.completedOrdersEnd());
  });

  registry.register(IN.REQ_EXECUTIONS, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    const filter = {
      clientId: r.int(),
      acctCode: r.str(),
      time: r.str(),
      symbol: r.str(),
      secType: r.str(),
      exchange: r.str(),
      side: r.str(),
    };
    // A client sees its own executions; clientId 0 (the master client here) sees everyone's.
    const own = session.clientId ?? 0;
    const foreign = own !== 0 && filter.clientId !== 0 && filter.clientId !== own;
    try {
      const found = foreign ? [] : exchange.executions({ ...filter, clientId: own === 0 ? filter.clientId : own });
      for (const e of found) front.sendExecution(session, reqId, e, true);
    } catch (err) {
      if (!(err instanceof FilterTimeError)) throw err;
      const e = validationError(err.message);
      session.error(reqId, e.code, e.text);
    }
    session.send(ord.execDetailsEnd(reqId));
  });
}
