/**
 * Reference-data and miscellaneous requests over a real socket with @stoqey/ib (market rules, family codes, smart
 * components, news, soft dollar tiers, user info, and the refusals of a paper account: fundamentals, WSH, FA,
 * display-group misuse, exercise), the fallback for message ids no handler takes, and the golden field counts of
 * every message these requests produce, the scanner's included (its behaviour is in scanner.test.ts). The client
 * must decode all of it without a 505.
 */
import {
  type Contract,
  type ContractDetails,
  EventName,
  FADataType,
  LogLevel,
  OptionExerciseAction,
  type PriceIncrement,
  SecType,
} from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { type ManualClock, manualClock } from '../src/clock.js';
import { marketRule, marketRuleIds } from '../src/instruments/market-rules.js';
import { unsupportedAnswer } from '../src/server/unsupported-requests.js';
import { FieldReader } from '../src/wire/fields.js';
import {
  connectClient,
  type IbError,
  loose,
  nextEvent,
  RawClient,
  startTestSim,
  type TestClient,
  TUESDAY_1100_ET,
  withTimeout,
} from './helpers.js';

const ACCOUNTS = ['DU1111111', 'DU2222222'];
let sim: RunningSim;
let clock: ManualClock;
let c: TestClient;
beforeAll(async () => {
  clock = manualClock(TUESDAY_1100_ET);
  sim = await startTestSim({ clock, accounts: ACCOUNTS });
  c = await connectClient(sim.port, 31);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

let nextReq = 500;
const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' };

/** The next error event for reqId (rejects after the deadline). */
function errorFor(reqId: number): Promise<IbError> {
  return nextEvent<[Error, number, number]>(c.ib, EventName.error, (_e, _code, id) => id === reqId).then(
    ([err, code, id]) => ({ code, reqId: id, message: err.message }),
  );
}

/** The next id -1 notice with this code (@stoqey/ib emits those as `info`). */
function infoWith(code: number): Promise<string> {
  return nextEvent<[string, number]>(c.ib, EventName.info, (_m, k) => k === code).then(([message]) => message);
}

/** A round trip: everything the sim sent before the answer to reqCurrentTime has been decoded. */
async function roundTrip(): Promise<void> {
  const answered = nextEvent(c.ib, EventName.currentTime);
  c.ib.reqCurrentTime();
  await answered;
}

function details(contract: Contract): Promise<ContractDetails[]> {
  const reqId = nextReq++;
  const got: ContractDetails[] = [];
  return withTimeout(
    new Promise((resolve, reject) => {
      const onDetail = (id: number, d: ContractDetails): void => {
        if (id === reqId) got.push(d);
      };
      const onEnd = (id: number): void => {
        if (id === reqId) done(() => resolve(got));
      };
      const onError = (_e: Error, code: number, id: number): void => {
        if (id === reqId) done(() => reject(new Error(`contract details error ${code}`)));
      };
      const done = (then: () => void): void => {
        loose(c.ib).off(EventName.contractDetails, onDetail);
        loose(c.ib).off(EventName.contractDetailsEnd, onEnd);
        loose(c.ib).off(EventName.error, onError);
        then();
      };
      loose(c.ib).on(EventName.contractDetails, onDetail);
      loose(c.ib).on(EventName.contractDetailsEnd, onEnd);
      loose(c.ib).on(EventName.error, onError);
      c.ib.reqContractDetails(reqId, contract);
    }),
    5_000,
    'contract details',
  );
}

function rule(id: number): Promise<PriceIncrement[]> {
  const answered = nextEvent<[number, PriceIncrement[]]>(c.ib, EventName.marketRule, (ruleId) => ruleId === id);
  c.ib.reqMarketRule(id);
  return answered.then(([, increments]) => increments);
}

describe('reqMarketRule', () => {
  test("every rule id of a contract's details answers increments whose finest step is its minTick", async () => {
    const contracts: Contract[] = [
      AAPL,
      { symbol: 'EUR', secType: SecType.CASH, exchange: 'IDEALPRO', currency: 'USD' },
      { localSymbol: 'USD.JPY', secType: SecType.CASH },
      { symbol: 'XAUUSD', secType: SecType.CMDTY },
      { symbol: 'SPX', secType: SecType.IND },
    ];
    const es = sim.control.catalog.instruments.find((i) => i.secType === 'FUT' && i.symbol === 'ES');
    const sixE = sim.control.catalog.instruments.find((i) => i.secType === 'FUT' && i.symbol === 'EUR');
    const option = sim.control.catalog.instruments.find((i) => i.secType === 'OPT' && i.symbol === 'AAPL');
    for (const i of [es, sixE, option]) contracts.push({ conId: i?.conId });
    for (const contract of contracts) {
      const [d] = await details(contract);
      if (d === undefined) throw new Error(`no details for ${JSON.stringify(contract)}`);
      const exchanges = (d.validExchanges ?? '').split(',');
      const ids = (d.marketRuleIds ?? '').split(',').map(Number);
      expect(ids).toHaveLength(exchanges.length);
      const steps: number[] = [];
      for (const id of new Set(ids)) for (const band of await rule(id)) steps.push(band.increment ?? 0);
      expect(Math.min(...steps)).toBeCloseTo(d.minTick ?? Number.NaN, 10);
    }
  });

  test("US stocks are IB's rule 26 on every exchange; options 32 on SMART and 109 (0.05 from $3) elsewhere", async () => {
    const [aapl] = await details(AAPL);
    expect(new Set(aapl?.marketRuleIds?.split(','))).toEqual(new Set(['26']));
    expect(await rule(26)).toEqual([{ lowEdge: 0, increment: 0.01 }]);
    const option = sim.control.catalog.instruments.find((i) => i.secType === 'OPT' && i.symbol === 'SPY');
    const [d] = await details({ conId: option?.conId });
    const byExchange = new Map(
      (d?.validExchanges ?? '').split(',').map((ex, k) => [ex, d?.marketRuleIds?.split(',')[k]] as const),
    );
    expect(byExchange.get('SMART')).toBe('32');
    expect(byExchange.get('NASDAQOM')).toBe('32');
    expect(byExchange.get('CBOE')).toBe('109');
    expect(await rule(109)).toEqual([
      { lowEdge: 0, increment: 0.01 },
      { lowEdge: 3, increment: 0.05 },
    ]);
  });

  test('every catalog instrument has a rule for each valid exchange', () => {
    for (const i of sim.control.catalog.instruments) {
      const ids = marketRuleIds(i).split(',');
      expect(ids).toHaveLength(i.validExchanges.split(',').length);
      for (const id of ids) expect(marketRule(Number(id)), `${i.localSymbol} rule ${id}`).toBeDefined();
    }
  });

  test('an unknown rule id is 322 on id -1, as TWS answers an id it never sent', async () => {
    const notice = infoWith(322);
    c.ib.reqMarketRule(4242);
    expect(await notice).toBe("Error processing request.-'cd' : cause - Market rule with id = 4242 is missing");
  });
});

describe('account and routing reference data', () => {
  test('reqFamilyCodes names every managed account, each with no family (stand-alone paper accounts)', async () => {
    const answered = nextEvent<[Array<{ accountID?: string; familyCode?: string }>]>(c.ib, EventName.familyCodes);
    c.ib.reqFamilyCodes();
    const [codes] = await answered;
    expect(codes).toEqual(ACCOUNTS.map((accountID) => ({ accountID, familyCode: '' })));
  });

  test("reqSmartComponents maps the BBO exchange of a stock's tickReqParams to its exchanges", async () => {
    const tickerId = nextReq++;
    const params = nextEvent<[number, number, string, number]>(c.ib, EventName.tickReqParams, (id) => id === tickerId);
    c.ib.reqMktData(tickerId, AAPL, '', false, false);
    const [, , bbo] = await params;
    c.ib.cancelMktData(tickerId);
    const reqId = nextReq++;
    const answered = nextEvent<[number, Map<number, [string, string]>]>(
      c.ib,
      EventName.smartComponents,
      (id) => id === reqId,
    );
    c.ib.reqSmartComponents(reqId, bbo);
    const [, map] = await answered;
    const letters = new Map([...map.values()].map(([exchange, letter]) => [exchange, letter]));
    expect(letters.get('NYSE')).toBe('N');
    expect(letters.get('NASDAQ')).toBe('T');
    expect(letters.get('ARCA')).toBe('P');
    expect(map.get(0)).toEqual(['AMEX', 'A']);
    expect(new Set([...letters.values()]).size).toBe(map.size);
  });

  test('an unknown BBO exchange is refused with 321', async () => {
    const reqId = nextReq++;
    const refused = errorFor(reqId);
    c.ib.reqSmartComponents(reqId, 'zz0001');
    expect(await refused).toMatchObject({ code: 321 });
  });

  test('reqSoftDollarTiers answers no tier and reqUserInfo an empty white-branding id', async () => {
    const reqId = nextReq++;
    const tiers = nextEvent<[number, unknown[]]>(c.ib, EventName.softDollarTiers, (id) => id === reqId);
    c.ib.reqSoftDollarTiers(reqId);
    expect((await tiers)[1]).toEqual([]);
    const userReq = nextReq++;
    const info = nextEvent<[number, string]>(c.ib, EventName.userInfo, (id) => id === userReq);
    c.ib.reqUserInfo(userReq);
    expect((await info)[1]).toBe('');
  });
});

describe('news', () => {
  test('reqNewsProviders lists the three free API feeds of every account', async () => {
    const answered = nextEvent<[Array<{ providerCode?: string; providerName?: string }>]>(
      c.ib,
      EventName.newsProviders,
    );
    c.ib.reqNewsProviders();
    const [providers] = await answered;
    expect(providers.map((p) => p.providerCode)).toEqual(['BRFG', 'BRFUPDN', 'DJNL']);
    expect(providers[0]?.providerName).toBe('Briefing.com General Market Columns');
  });

  test('reqHistoricalNews on subscribed feeds ends with no headline; other feeds and totals are refused', async () => {
    const reqId = nextReq++;
    const end = nextEvent<[number, boolean]>(c.ib, EventName.historicalNewsEnd, (id) => id === reqId);
    c.ib.reqHistoricalNews(reqId, 265598, 'BRFG+DJNL', '', '', 10);
    expect((await end)[1]).toBe(false);
    const notSubscribed = nextReq++;
    const refused = errorFor(notSubscribed);
    c.ib.reqHistoricalNews(notSubscribed, 265598, 'BRFG+BZ', '', '', 10);
    expect(await refused).toMatchObject({ code: 321, message: expect.stringContaining("Not subscribed for 'BZ'") });
    const zero = nextReq++;
    const refusedZero = errorFor(zero);
    c.ib.reqHistoricalNews(zero, 265598, 'BRFG', '', '', 0);
    expect(await refusedZero).toMatchObject({
      code: 321,
      message: expect.stringContaining('Total results must be > 0'),
    });
  });

  test('reqNewsArticle: no such story (10172) on a subscribed feed, 321 on another', async () => {
    const reqId = nextReq++;
    const missing = errorFor(reqId);
    c.ib.reqNewsArticle(reqId, 'BRFG', 'BRFG$0001');
    expect(await missing).toMatchObject({ code: 10172 });
    const other = nextReq++;
    const refused = errorFor(other);
    c.ib.reqNewsArticle(other, 'FLY', 'FLY$1');
    expect(await refused).toMatchObject({ code: 321 });
  });

  test('reqNewsBulletins, cancelNewsBulletins and setServerLogLevel are accepted without an answer', async () => {
    const before = c.errors.length + c.infos.length;
    c.ib.reqNewsBulletins(true);
    c.ib.cancelNewsBulletins();
    c.ib.setServerLogLevel(LogLevel.DETAIL);
    await roundTrip();
    expect(c.errors.length + c.infos.length).toBe(before);
  });

  test('the Wall Street Horizon calendar is refused as for an account without that feed (10276)', async () => {
    const meta = nextReq++;
    const refusedMeta = errorFor(meta);
    c.ib.reqWshMetaData(meta);
    expect(await refusedMeta).toMatchObject({ code: 10276, message: 'News feed is not allowed.' });
    const events = nextReq++;
    const refusedEvents = errorFor(events);
    c.ib.reqWshEventData(events, 265598);
    expect(await refusedEvents).toMatchObject({ code: 10276 });
  });
});

describe('refusals of a paper account', () => {
  test('reqFundamentalData: 10358 for a stock, 321 for another security type, 200 for an unknown contract', async () => {
    const stock = nextReq++;
    const refused = errorFor(stock);
    c.ib.reqFundamentalData(stock, AAPL, 'ReportSnapshot');
    expect(await refused).toMatchObject({ code: 10358, message: 'Fundamentals data is not allowed.' });
    const fx = nextReq++;
    const refusedFx = errorFor(fx);
    c.ib.reqFundamentalData(fx, { symbol: 'EUR', secType: SecType.CASH, currency: 'USD' }, 'ReportSnapshot');
    expect(await refusedFx).toMatchObject({ code: 321 });
    const unknown = nextReq++;
    const refusedUnknown = errorFor(unknown);
    c.ib.reqFundamentalData(unknown, { symbol: 'ZZZZQ', secType: SecType.STK, currency: 'USD' }, 'RESC');
    expect(await refusedUnknown).toMatchObject({ code: 200 });
  });

  test('requestFA and replaceFA are refused with 321 (not an FA account)', async () => {
    const request = errorFor(2147483647);
    c.ib.requestFA(FADataType.GROUPS);
    expect(await request).toMatchObject({ code: 321, message: expect.stringContaining('non FA customers') });
    const reqId = nextReq++;
    const replace = errorFor(reqId);
    c.ib.replaceFA(reqId, FADataType.GROUPS, '<ListOfGroups/>');
    expect(await replace).toMatchObject({ code: 321 });
  });

  test('display groups: groups 1-7, `none` on subscribe, 321 on misuse', async () => {
    const reqId = nextReq++;
    const list = nextEvent<[number, string]>(c.ib, EventName.displayGroupList, (id) => id === reqId);
    c.ib.queryDisplayGroups(reqId);
    expect((await list)[1]).toBe('1|2|3|4|5|6|7');
    const sub = nextReq++;
    const updated = nextEvent<[number, string]>(c.ib, EventName.displayGroupUpdated, (id) => id === sub);
    c.ib.subscribeToGroupEvents(sub, 2);
    expect((await updated)[1]).toBe('none');
    const bad = infoWith(321);
    c.ib.subscribeToGroupEvents(nextReq++, 9);
    expect(await bad).toContain('Invalid group id');
    c.ib.unsubscribeFromGroupEvents(sub);
    const notSubscribed = infoWith(321);
    c.ib.unsubscribeFromGroupEvents(sub);
    expect(await notSubscribed).toContain('No display group subscription');
  });

  test('exerciseOptions is answered on its id: 322 for an option (not simulated), 321 for a stock', async () => {
    const option = sim.control.catalog.instruments.find((i) => i.secType === 'OPT' && i.symbol === 'AAPL');
    const reqId = nextReq++;
    const refused = errorFor(reqId);
    c.ib.exerciseOptions(
      reqId,
      { conId: option?.conId, exchange: 'SMART' },
      OptionExerciseAction.EXERCISE,
      1,
      ACCOUNTS[0] ?? '',
      0,
    );
    expect(await refused).toMatchObject({ code: 322 });
    const stock = nextReq++;
    const refusedStock = errorFor(stock);
    c.ib.exerciseOptions(stock, { conId: 265598 }, OptionExerciseAction.EXERCISE, 1, ACCOUNTS[0] ?? '', 0);
    expect(await refusedStock).toMatchObject({ code: 321 });
  });
});

describe('message ids no handler takes', () => {
  test('an id outside the protocol is 320 on -1 and the connection stays usable', async () => {
    const raw = await RawClient.started(sim.port, 32);
    raw.send(['999', '1', '77']);
    const error = await raw.waitFor((m) => m[0] === '4' && m[3] === '320');
    expect(error).toEqual([
      '4',
      '2',
      '-1',
      '320',
      'Error reading request:Message type 999.  Unsupported message type.',
      '',
    ]);
    raw.send(['49', '1']);
    await raw.waitFor((m) => m[0] === '49');
    expect(raw.closed).toBe(false);
    raw.close();
  });

  test('a protocol request without a handler is answered (322) on its own id; cancels are not', () => {
    const read = (fields: string[]) => unsupportedAnswer(Number(fields[0]), new FieldReader(fields, Number(fields[0])));
    expect(read(['50', '3', '77', '265598'])).toMatchObject({ kind: 'error', reqId: 77, code: 322 });
    expect(read(['20', '78', '265598'])).toMatchObject({ kind: 'error', reqId: 78, code: 322 });
    expect(read(['66', '1', 'apiData'])).toMatchObject({ kind: 'error', reqId: -1, code: 322 });
    expect(read(['51', '1', '77'])).toEqual({ kind: 'ignore', request: 'cancelRealTimeBars' });
    expect(read(['50', '3', 'x'])).toMatchObject({ kind: 'error', reqId: -1 });
  });

  test('verifyMessage, which the sim does not implement, reaches the client as 322 on -1', async () => {
    const raw = await RawClient.started(sim.port, 33);
    raw.send(['66', '1', 'apiData']);
    const error = await raw.waitFor((m) => m[0] === '4' && m[3] === '322');
    expect(error[2]).toBe('-1');
    expect(error[4]).toContain('verifyMessage');
    raw.close();
  });
});

describe.each(['v100..193', 'v157..176'])('golden field counts (client %s)', (versions) => {
  test('every reference-data answer has its exact field count', async () => {
    const raw = await RawClient.started(sim.port, versions === 'v100..193' ? 34 : 35, versions);
    const scanFields = (reqId: string, code: string, rows: string): string[] => [
      '22',
      reqId,
      rows,
      'STK',
      'STK.US.MAJOR',
      code,
      ...Array<string>(19).fill(''),
    ];
    raw.send(['91', '26']);
    raw.send(['91', '109']);
    raw.send(['80']);
    raw.send(['83', '1', '9c0001']);
    raw.send(['85']);
    raw.send(['86', '2', '265598', 'BRFG', '', '', '5', '']);
    raw.send(['79', '3']);
    raw.send(['104', '4']);
    raw.send(['67', '1', '5']);
    raw.send(['68', '1', '6', '3']);
    raw.send(['24', '1']);
    raw.send(scanFields('7', 'TOP_PERC_GAIN', '4'));
    raw.send(scanFields('8', 'MOST_ACTIVE', ''));
    const needed = ['93', '78', '82', '85', '87', '77', '107', '67', '68', '19', '20'];
    await raw.until(() => needed.every((id) => raw.messages.some((m) => m[0] === id)), needed.join(','), 10_000);
    await raw.waitFor((m) => m[0] === '20' && m[2] === '8');
    const of = (id: string): string[][] => raw.messages.filter((m) => m[0] === id);
    for (const m of of('93')) expect(m.length).toBe(3 + 2 * Number(m[2]));
    expect(of('93').map((m) => m.length)).toEqual([5, 7]);
    for (const m of of('78')) expect(m.length).toBe(2 + 2 * Number(m[1]));
    expect(of('78')[0]?.[1]).toBe(String(ACCOUNTS.length));
    for (const m of of('82')) expect(m.length).toBe(3 + 3 * Number(m[2]));
    for (const m of of('85')) expect(m.length).toBe(2 + 2 * Number(m[1]));
    expect(of('85')[0]?.length).toBe(8);
    expect(of('87').map((m) => m.length)).toEqual([3]);
    expect(of('77')[0]).toEqual(['77', '3', '0']);
    expect(of('107')[0]).toEqual(['107', '4', '']);
    expect(of('67')[0]).toEqual(['67', '1', '5', '1|2|3|4|5|6|7']);
    expect(of('68')[0]).toEqual(['68', '1', '6', 'none']);
    expect(of('19').map((m) => m.length)).toEqual([3]);
    for (const m of of('20')) {
      expect(m[1]).toBe('3');
      expect(m.length).toBe(4 + 16 * Number(m[3]));
    }
    expect(of('20').find((m) => m[2] === '7')?.[3]).toBe('4');
    expect(of('20').find((m) => m[2] === '8')?.[3]).toBe('9');
    raw.close();
  });
});

test('@stoqey/ib decoded every message without a 505 or an underrun', () => {
  const decoding = [...c.errors, ...c.infos].filter(
    (e) => e.code === 505 || /unprocessed data|Underrun/.test(e.message),
  );
  expect(decoding).toEqual([]);
});
