/**
 * Financial-advisor requests on the sim's accounts, which are plain (non-FA) paper accounts: TWS refuses both
 * with 321 and the same cause (texts and ids from ibx#481, traced against the reference gateway). requestFA has no
 * request id of its own; TWS answers it on id 2147483647.
 */
import { IN } from '../../wire/message-ids.js';
import type { HandlerRegistry } from '../dispatcher.js';
import { validationErrorIn } from '../tws-errors.js';

const NOT_FA = 'FA data operations ignored for non FA customers.';
const NO_REQUEST_ID = 2147483647;

export function registerFaHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_FA, (session) => {
    const e = validationErrorIn('b9', NOT_FA);
    session.error(NO_REQUEST_ID, e.code, e.text);
  });

  registry.register(IN.REPLACE_FA, (session, r) => {
    r.skip(3); // version, faDataType, xml
    // The request id exists since sv 157 (REPLACE_FA_END); every served version has it.
    const reqId = r.intMax() ?? NO_REQUEST_ID;
    const e = validationErrorIn('b1', NOT_FA);
    session.error(reqId, e.code, e.text);
  });
}
