/**
 * The market scanner over a real socket with @stoqey/ib: the parameters document, ranked scans of the sim's own
 * day (checked against the quotes the rest of the sim shows), the 30 s refresh on the sim clock, cancel and the
 * refusals TWS gives. A manual clock freezes prices, so every expected ranking is exact.
 */
import {
  type ContractDetails,
  EventName,
  Instrument,
  LocationCode,
  ScanCode,
  type ScannerSubscription,
} from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { type ManualClock, manualClock } from '../src/clock.js';
import {
  connectClient,
  type IbError,
  loose,
  nextEvent,
  startTestSim,
  type TestClient,
  TUESDAY_1100_ET,
  withTimeout,
} from './helpers.js';

let sim: RunningSim;
let clock: ManualClock;
let c: TestClient;
beforeAll(async () => {
  clock = manualClock(TUESDAY_1100_ET);
  sim = await startTestSim({ clock });
  c = await connectClient(sim.port, 41);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

let nextReq = 700;

function errorFor(reqId: number): Promise<IbError> {
  return nextEvent<[Error, number, number]>(c.ib, EventName.error, (_e, _code, id) => id === reqId).then(
    ([err, code, id]) => ({ code, reqId: id, message: err.message }),
  );
}

async function roundTrip(): Promise<void> {
  const answered = nextEvent(c.ib, EventName.currentTime);
  c.ib.reqCurrentTime();
  await answered;
}

interface ScanHit {
  rank: number;
  conId: number;
  symbol: string;
}

/** The rows of the next SCANNER_DATA for reqId (ended by scannerDataEnd), after `start` ran. */
function nextScan(reqId: number, start: () => void): Promise<ScanHit[]> {
  const rows: ScanHit[] = [];
  return withTimeout(
    new Promise<ScanHit[]>((resolve) => {
      const onRow = (id: number, rank: number, d: ContractDetails): void => {
        if (id === reqId) rows.push({ rank, conId: d.contract.conId ?? 0, symbol: d.contract.symbol ?? '' });
      };
      const onEnd = (id: number): void => {
        if (id !== reqId) return;
        loose(c.ib).off(EventName.scannerData, onRow);
        loose(c.ib).off(EventName.scannerDataEnd, onEnd);
        resolve(rows);
      };
      loose(c.ib).on(EventName.scannerData, onRow);
      loose(c.ib).on(EventName.scannerDataEnd, onEnd);
      start();
    }),
    5_000,
    `scan ${reqId}`,
  );
}

/** The ranking the sim's own quotes imply now: day change against tick 9's close, or session volume. */
function expectedRanking(order: 'gain' | 'lose' | 'volume', exchange?: string): string[] {
  const now = clock.now();
  const q = sim.control.quotes;
  const stocks = sim.control.catalog.instruments.filter(
    (i) => i.secType === 'STK' && (exchange === undefined || i.primaryExchange === exchange),
  );
  const value = (conId: number): number => {
    const day = q.daySummary(conId, now);
    if (order === 'volume') return day.volume;
    return (q.quoteAt(conId, now).last - day.prevClose) / day.prevClose;
  };
  const sign = order === 'lose' ? 1 : -1;
  return stocks
    .map((i) => ({ symbol: i.symbol, conId: i.conId, v: value(i.conId) }))
    .sort((a, b) => sign * (a.v - b.v) || a.conId - b.conId)
    .map((s) => s.symbol);
}

function subscription(scanCode: ScanCode, locationCode = LocationCode.STK_US_MAJOR): ScannerSubscription {
  return { instrument: Instrument.STK, locationCode, scanCode };
}

describe('scanner', () => {
  test('reqScannerParameters is a well-formed XML document listing what the sim scans', async () => {
    const answered = nextEvent<[string]>(c.ib, EventName.scannerParameters);
    c.ib.reqScannerParameters();
    const [xml] = await answered;
    expect(xml.startsWith('<?xml')).toBe(true);
    expect(unbalancedTag(xml)).toBeUndefined();
    for (const code of ['TOP_PERC_GAIN', 'TOP_PERC_LOSE', 'MOST_ACTIVE', 'STK.US.MAJOR', 'STK.NYSE'])
      expect(xml).toContain(`>${code}<`);
  });

  test('TOP_PERC_GAIN / TOP_PERC_LOSE / MOST_ACTIVE rank the catalog by its own day, 0-based', async () => {
    const cases: Array<[ScanCode, 'gain' | 'lose' | 'volume']> = [
      [ScanCode.TOP_PERC_GAIN, 'gain'],
      [ScanCode.TOP_PERC_LOSE, 'lose'],
      [ScanCode.MOST_ACTIVE, 'volume'],
    ];
    for (const [code, order] of cases) {
      const reqId = nextReq++;
      const rows = await nextScan(reqId, () => c.ib.reqScannerSubscription(reqId, subscription(code)));
      expect(rows.map((r) => r.rank)).toEqual(rows.map((_, k) => k));
      expect(rows.map((r) => r.symbol)).toEqual(expectedRanking(order));
      c.ib.cancelScannerSubscription(reqId);
    }
  });

  test('numberOfRows and the location narrow the list', async () => {
    const top = nextReq++;
    const rows = await nextScan(top, () =>
      c.ib.reqScannerSubscription(top, { ...subscription(ScanCode.MOST_ACTIVE), numberOfRows: 3 }),
    );
    expect(rows.map((r) => r.symbol)).toEqual(expectedRanking('volume').slice(0, 3));
    c.ib.cancelScannerSubscription(top);
    const nyse = nextReq++;
    const nyseRows = await nextScan(nyse, () =>
      c.ib.reqScannerSubscription(nyse, subscription(ScanCode.TOP_PERC_GAIN, LocationCode.STK_NYSE)),
    );
    expect(nyseRows.map((r) => r.symbol)).toEqual(expectedRanking('gain', 'NYSE'));
    c.ib.cancelScannerSubscription(nyse);
  });

  test('a subscription re-sends the ranked list every 30 s of sim time until cancelled (162 confirms)', async () => {
    const reqId = nextReq++;
    await nextScan(reqId, () => c.ib.reqScannerSubscription(reqId, subscription(ScanCode.TOP_PERC_GAIN)));
    const refreshed = await nextScan(reqId, () => clock.advance(30_000));
    expect(refreshed.map((r) => r.symbol)).toEqual(expectedRanking('gain'));
    const cancelled = errorFor(reqId);
    c.ib.cancelScannerSubscription(reqId);
    expect(await cancelled).toMatchObject({
      code: 162,
      message: `Historical Market Data Service error message:API scanner subscription cancelled: ${reqId}`,
    });
    let after = 0;
    const count = (id: number): void => {
      if (id === reqId) after++;
    };
    loose(c.ib).on(EventName.scannerDataEnd, count);
    clock.advance(60_000);
    await roundTrip();
    loose(c.ib).off(EventName.scannerDataEnd, count);
    expect(after).toBe(0);
  });

  test('refusals: unknown scan code and location (162), duplicate id (322), unknown cancel (365)', async () => {
    const code = nextReq++;
    const badCode = errorFor(code);
    c.ib.reqScannerSubscription(code, subscription(ScanCode.HOT_BY_VOLUME));
    expect(await badCode).toMatchObject({
      code: 162,
      message: 'Historical Market Data Service error message:Scanner type with code HOT_BY_VOLUME is disabled',
    });
    const location = nextReq++;
    const badLocation = errorFor(location);
    c.ib.reqScannerSubscription(location, subscription(ScanCode.TOP_PERC_GAIN, LocationCode.STK_EU_LSE));
    expect(await badLocation).toMatchObject({ code: 162, message: expect.stringContaining('not configured') });
    const dup = nextReq++;
    await nextScan(dup, () => c.ib.reqScannerSubscription(dup, subscription(ScanCode.TOP_PERC_GAIN)));
    const duplicate = errorFor(dup);
    c.ib.reqScannerSubscription(dup, subscription(ScanCode.TOP_PERC_LOSE));
    expect(await duplicate).toMatchObject({ code: 322, message: expect.stringContaining('Duplicate ticker ID') });
    c.ib.cancelScannerSubscription(dup);
    const unknown = nextReq++;
    const notFound = errorFor(unknown);
    c.ib.cancelScannerSubscription(unknown);
    expect(await notFound).toMatchObject({
      code: 365,
      message: `No scanner subscription found for ticker id:${unknown}`,
    });
  });

  test('a scan with no match is 165 "no items retrieved" and an empty list', async () => {
    const reqId = nextReq++;
    const notice = errorFor(reqId);
    const rows = await nextScan(reqId, () =>
      c.ib.reqScannerSubscription(reqId, { ...subscription(ScanCode.TOP_PERC_GAIN), abovePrice: 1_000_000 }),
    );
    expect(rows).toEqual([]);
    expect(await notice).toMatchObject({ code: 165 });
    c.ib.cancelScannerSubscription(reqId);
  });
});

test('@stoqey/ib decoded every scanner message without a 505 or an underrun', () => {
  const decoding = [...c.errors, ...c.infos].filter(
    (e) => e.code === 505 || /unprocessed data|Underrun/.test(e.message),
  );
  expect(decoding).toEqual([]);
});

/** The first tag that does not close in order (a small well-formedness check; no XML parser is installed). */
function unbalancedTag(xml: string): string | undefined {
  const stack: string[] = [];
  for (const [, closing, name, selfClosing] of xml.matchAll(/<(\/?)([A-Za-z][\w.-]*)[^>]*?(\/?)>/g)) {
    if (name === undefined || selfClosing === '/') continue;
    if (closing === '/') {
      if (stack.pop() !== name) return name;
    } else stack.push(name);
  }
  return stack[0];
}
