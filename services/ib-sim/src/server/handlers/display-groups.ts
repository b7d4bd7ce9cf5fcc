/**
 * Display groups (TWS's colour-linked window groups) as IB Gateway keeps them — no window, so no group ever shows
 * a contract: queryDisplayGroups lists groups 1–7, subscribeToGroupEvents answers at once with `none`,
 * updateDisplayGroup changes nothing and answers nothing, unsubscribeFromGroupEvents answers nothing. Misuse (a
 * group outside 1–7, a request id already subscribed, an update or unsubscribe of a request id not subscribed)
 * gets 321 on id -1 as ibx#424 records from the reference gateway; the causes are the sim's wording.
 */

import { IN } from '../../wire/message-ids.js';
import * as ref from '../../wire/reference-encoders.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { Session } from '../session.js';
import { validationError } from '../tws-errors.js';

const GROUPS = [1, 2, 3, 4, 5, 6, 7] as const;
const key = (reqId: number): string => `display-group:${reqId}`;

function refuse(session: Session, cause: string): void {
  const e = validationError(cause);
  session.error(-1, e.code, e.text);
}

export function registerDisplayGroupHandlers(registry: HandlerRegistry): void {
  registry.register(IN.QUERY_DISPLAY_GROUPS, (session, r) => {
    r.skip(); // version
    session.send(ref.displayGroupList(r.int(), GROUPS));
  });

  registry.register(IN.SUBSCRIBE_TO_GROUP_EVENTS, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    const groupId = r.int();
    if (!GROUPS.some((g) => g === groupId)) return refuse(session, `Invalid group id: ${groupId}`);
    if (session.holds(key(reqId))) return refuse(session, `Duplicate request id: ${reqId}`);
    session.hold(key(reqId), () => undefined);
    session.send(ref.displayGroupUpdated(reqId, 'none'));
  });

  registry.register(IN.UPDATE_DISPLAY_GROUP, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    if (!session.holds(key(reqId))) refuse(session, `No display group subscription for request id: ${reqId}`);
  });

  registry.register(IN.UNSUBSCRIBE_FROM_GROUP_EVENTS, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    if (!session.release(key(reqId))) refuse(session, `No display group subscription for request id: ${reqId}`);
  });
}
