/**
 * Market scanner: reqScannerParameters, reqScannerSubscription, cancelScannerSubscription.
 *
 * A subscription answers at once with the whole ranked list (SCANNER_DATA; clients take its end as
 * scannerDataEnd) and then re-sends the whole list every SCAN_REFRESH_SIM_MS of sim time until cancelled, as TWS
 * keeps a scanner subscription live. How often TWS re-sends is not documented; 30 s is the sim's choice.
 *
 * Refusals, in the order the reference gateway checks them (ibx#456/#457): a filter option that is not key=value
 * (320), a subscription option (10337 / 10338, then 321: its only key needs a verified API), more than 10
 * subscriptions or a live request id (322 'co'); then the scanner service: an unknown scan code (162 "Scanner type
 * with code … is disabled", the text paper accounts get) or an instrument/location it has not (162 "Market Scanner
 * is not configured for one of the chosen locations"). An empty result is 165 "no items retrieved" and an empty
 * list. A cancel is confirmed with 162 "API scanner subscription cancelled: <id>"; a cancel of an id with no
 * subscription gets 365.
 */

import { scannerParametersXml } from '../../market/scanner-parameters.js';
import { runScan, type ScanRequest } from '../../market/scans.js';
import type { FieldReader } from '../../wire/fields.js';
import { IN } from '../../wire/message-ids.js';
import * as scan from '../../wire/scanner-encoders.js';
import type { HandlerRegistry } from '../dispatcher.js';
import type { Session } from '../session.js';
import type { SimContext } from '../sim-context.js';
import { hmdsError, hmdsQueryMessage, processingErrorIn, TWS_ERRORS, validationErrorIn } from '../tws-errors.js';

export const SCAN_REFRESH_SIM_MS = 30_000;
/** A tenth of the API ticker limit of a standard account (TWS's text names 10). */
const MAX_SCANNER_SUBSCRIPTIONS = 10;
const key = (reqId: number): string => `scanner:${reqId}`;

interface ScannerMessage {
  readonly reqId: number;
  readonly request: ScanRequest;
  readonly filterOptions: string;
  readonly subscriptionOptions: string;
}

/** reqScannerSubscription at sv ≥ 143 (no version field): 22 subscription fields, then the two tag lists. */
function readScannerMessage(r: FieldReader): ScannerMessage {
  const reqId = r.int();
  const numberOfRows = r.intMax();
  const instrument = r.str();
  const locationCode = r.str();
  const scanCode = r.str();
  const abovePrice = r.doubleMax();
  const belowPrice = r.doubleMax();
  const aboveVolume = r.doubleMax();
  r.skip(12); // market caps, ratings, maturities, coupons, excludeConvertible, averageOptionVolumeAbove
  r.optionalStr(); // scannerSettingPairs
  const stockTypeFilter = r.optionalStr();
  const filterOptions = r.optionalStr();
  const subscriptionOptions = r.optionalStr();
  return {
    reqId,
    request: { instrument, locationCode, scanCode, numberOfRows, abovePrice, belowPrice, aboveVolume, stockTypeFilter },
    filterOptions,
    subscriptionOptions,
  };
}

const items = (tagList: string): string[] => tagList.split(';').filter((item) => item !== '');

type Checked = { ok: true; request: ScanRequest } | { ok: false; code: number; text: string };

/** Applies the filter options (the TWS filter codes the sim knows) and refuses what TWS refuses locally. */
function checkOptions(m: ScannerMessage): Checked {
  let request = m.request;
  for (const item of items(m.filterOptions)) {
    const [tag, value] = item.split('=').filter((part) => part !== '');
    if (tag === undefined || value === undefined)
      return {
        ok: false,
        code: 320,
        text: `Error reading request:Not a key-value pair in generic options list: ${item}`,
      };
    const number = Number(value);
    if (tag === 'priceAbove' && Number.isFinite(number)) request = { ...request, abovePrice: number };
    if (tag === 'priceBelow' && Number.isFinite(number)) request = { ...request, belowPrice: number };
    if (tag === 'volumeAbove' && Number.isFinite(number)) request = { ...request, aboveVolume: number };
    // Other filters (market cap, ratings, …) need data the sim does not have; they are ignored.
  }
  const options = items(m.subscriptionOptions);
  for (const item of options) {
    const at = item.indexOf('=');
    if (at < 0) continue;
    const [optionKey, value] = [item.slice(0, at), item.slice(at + 1)];
    if (optionKey !== 'manual')
      return {
        ok: false,
        code: 10337,
        text: `Misc options key=${optionKey} is invalid in ReqScannerSubscription(22) request. Valid keys are: manual`,
      };
    if (value !== '0' && value !== '1')
      return {
        ok: false,
        code: 10338,
        text: `Misc options value=${value} is invalid for key=manual in ReqScannerSubscription(22) request. Valid values are: 0, 1`,
      };
  }
  if (options.length > 0) {
    const e = validationErrorIn('co', "Historical data: 'manual' requires Verified API.");
    return { ok: false, ...e };
  }
  return { ok: true, request };
}

/** Runs the scan and sends its list; false (after the refusal) when the scan service refuses it. */
function answer(session: Session, sim: SimContext, reqId: number, request: ScanRequest, first: boolean): boolean {
  const outcome = runScan(sim.catalog, sim.quotes, request, sim.clock.now());
  if (outcome.kind === 'unknown-scan-code') {
    const e = hmdsError(`Scanner type with code ${request.scanCode} is disabled`);
    session.error(reqId, e.code, e.text);
    return false;
  }
  if (outcome.kind === 'unknown-location') {
    const e = hmdsError('Error: Market Scanner is not configured for one of the chosen locations.');
    session.error(reqId, e.code, e.text);
    return false;
  }
  if (outcome.rows.length === 0 && first) {
    const e = hmdsQueryMessage('no items retrieved');
    session.error(reqId, e.code, e.text);
  }
  const rows = outcome.rows.map((row, rank) => ({
    rank,
    instrument: row.instrument,
    distance: '',
    benchmark: '',
    projection: '',
  }));
  session.send(scan.scannerData(reqId, rows));
  return true;
}

export function registerScannerHandlers(registry: HandlerRegistry): void {
  registry.register(IN.REQ_SCANNER_PARAMETERS, (session) => {
    session.send(scan.scannerParameters(scannerParametersXml()));
  });

  registry.register(IN.REQ_SCANNER_SUBSCRIPTION, (session, r, sim) => {
    const message = readScannerMessage(r);
    const { reqId } = message;
    const checked = checkOptions(message);
    if (!checked.ok) {
      session.error(reqId, checked.code, checked.text);
      return;
    }
    if (session.keys('scanner:').length >= MAX_SCANNER_SUBSCRIPTIONS) {
      const e = processingErrorIn(
        'co',
        `Only ${MAX_SCANNER_SUBSCRIPTIONS} simultaneous API scanner subscriptions are allowed.`,
      );
      session.error(reqId, e.code, e.text);
      return;
    }
    if (session.holds(key(reqId))) {
      const e = processingErrorIn('co', 'Duplicate ticker ID for API scanner subscription');
      session.error(reqId, e.code, e.text);
      return;
    }
    if (!answer(session, sim, reqId, checked.request, true)) return;
    const stop = sim.clock.setRepeating(() => answer(session, sim, reqId, checked.request, false), SCAN_REFRESH_SIM_MS);
    session.hold(key(reqId), stop);
  });

  registry.register(IN.CANCEL_SCANNER_SUBSCRIPTION, (session, r) => {
    r.skip(); // version
    const reqId = r.int();
    if (session.release(key(reqId))) {
      const e = hmdsError(`API scanner subscription cancelled: ${reqId}`);
      session.error(reqId, e.code, e.text);
      return;
    }
    session.error(reqId, TWS_ERRORS.noScannerSubscription.code, `${TWS_ERRORS.noScannerSubscription.text}${reqId}`);
  });
}
