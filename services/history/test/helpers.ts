/**
 * Test wiring: a real bus (NATS or in-process) and a real database (Postgres or PGlite), the history app started
 * in-process with unique names, and — as the outermost boundary — a tiny responder for
 * `broker.<b>.cmd.fetchHistory` / `qualifyContract` serving bars computed by a deterministic function of time.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BarData,
  type BrokerCapabilities,
  catalog,
  type FetchHistoryReply,
  type FetchHistoryRequest,
  type Instrument,
  ORDERS_STREAM,
  parseTimeframe,
  type QualifyContractReply,
  Subjects,
} from '@trading-system/contracts';
import { ibCapabilities } from '@trading-system/gateway-ib';
import { createLogger } from '@trading-system/runtime';
import {
  createTestMemoryBus,
  createTestNatsBus,
  openPgliteTestDatabase,
  openPgTestDatabase,
  type TestBus,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import { type History, start } from '../src/app.js';
import type { HistoryConfig } from '../src/config.js';

export const testLogger = createLogger({
  service: 'history-test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
} as never);

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Wednesday 2024-03-13 21:00 UTC: the session of that day has just closed. */
export const NOW = Date.parse('2024-03-13T21:00:00Z');
export const CON_ID = '265598';

/** The synthetic session: weekdays 14:30–21:00 UTC (weekends are known-empty ranges). */
export function inSession(t: number): boolean {
  const d = new Date(t);
  const wd = d.getUTCDay();
  const m = d.getUTCHours() * 60 + d.getUTCMinutes();
  return wd >= 1 && wd <= 5 && m >= 14 * 60 + 30 && m < 21 * 60;
}

const cents = (c: number): string => {
  const s = String(Math.abs(c)).padStart(3, '0');
  return `${c < 0 ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`.replace(/\.00$/, '').replace(/(\.\d)0$/, '$1');
};

/** The 1-minute bar starting at `t` (a minute boundary): a pure function of time. */
export function minuteBar(t: number): BarData {
  const i = Math.floor(t / MIN);
  const open = 10_000 + ((i * 7919) % 500);
  const close = open + (((i * 31) % 21) - 10);
  return {
    tsStartMs: t,
    tsEndMs: t + MIN,
    open: cents(open),
    high: cents(Math.max(open, close) + (i % 5)),
    low: cents(Math.min(open, close) - (i % 3)),
    close: cents(close),
    volume: String(100 + (i % 1000)),
    count: 1 + (i % 9),
    gap: false,
  };
}

/** Bars of `barMs` length (built from minute bars) with tsStartMs in [from, to), in session only. */
export function syntheticBars(from: number, to: number, barMs: number): BarData[] {
  const out: BarData[] = [];
  for (let t = Math.ceil(from / barMs) * barMs; t < to; t += barMs) {
    const minutes: BarData[] = [];
    for (let m = t; m < t + barMs; m += MIN) if (inSession(m)) minutes.push(minuteBar(m));
    const first = minutes[0];
    const last = minutes.at(-1);
    if (first === undefined || last === undefined) continue;
    if (barMs === MIN) {
      out.push(first);
      continue;
    }
    const num = (s: string) => Math.round(Number(s) * 100);
    out.push({
      tsStartMs: t,
      tsEndMs: t + barMs,
      open: first.open,
      high: cents(Math.max(...minutes.map((b) => num(b.high)))),
      low: cents(Math.min(...minutes.map((b) => num(b.low)))),
      close: last.close,
      volume: String(minutes.reduce((s, b) => s + Number(b.volume), 0)),
      count: minutes.reduce((s, b) => s + (b.count ?? 0), 0),
      gap: false,
    });
  }
  return out;
}

export const INSTRUMENT: Instrument = {
  id: CON_ID,
  secType: 'STK',
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  minTick: '0.01',
};

export interface Responder {
  /** fetchHistory requests answered (or held) so far, in arrival order. */
  readonly fetches: FetchHistoryRequest[];
  /** Answer with this error for chunks whose end falls in one of these ranges. */
  failing: { startMs: number; endMs: number }[];
  /** What the status announces (gateway-ib's capabilities unless a test changes them). */
  capabilities: BrokerCapabilities;
  /** The broker's clock its status announces (BrokerStatus.brokerTimeMs); undefined: none, as older gateways. */
  brokerTime: (() => number) | undefined;
  /** Hold every fetch after this many until release() (undefined = answer at once). */
  holdAfter: number | undefined;
  release(): void;
  close(): void;
}

export function startResponder(bus: Bus, broker: string, clock: () => number = () => NOW): Responder {
  const subs: Subscription[] = [];
  const held: (() => void)[] = [];
  const r: Responder = {
    fetches: [],
    failing: [],
    capabilities: ibCapabilities(100),
    brokerTime: undefined,
    holdAfter: undefined,
    release() {
      for (const go of held.splice(0)) go();
      r.holdAfter = undefined;
    },
    close() {
      for (const s of subs) s.unsubscribe();
    },
  };
  subs.push(
    bus.serve<FetchHistoryRequest, FetchHistoryReply>(
      Subjects.brokerCommand.build({ broker, verb: 'fetchHistory' }),
      async (req) => {
        r.fetches.push(req);
        if (r.holdAfter !== undefined && r.fetches.length > r.holdAfter) {
          await new Promise<void>((resolve) => held.push(resolve));
        }
        const end = req.endMs ?? clock();
        if (r.failing.some((f) => end > f.startMs && end <= f.endMs)) {
          return { v: 1, ok: false, code: 'PACING_VIOLATION', message: 'simulated pacing violation' };
        }
        const start = req.startMs ?? end - (req.spanMs ?? 0);
        const barMs = (parseTimeframe(req.timeframe).seconds ?? 0) * 1_000;
        const bars = syntheticBars(start, Math.min(end, clock()), barMs);
        // As gateway-ib: IB's 162 "HMDS query returned no data" for a range without bars.
        if (bars.length === 0)
          return { v: 1, ok: false, code: 'HISTORY_NO_DATA', message: 'HMDS query returned no data' };
        return { v: 1, ok: true, requestId: req.requestId, bars, startMs: start, endMs: end, queuedMs: 0 };
      },
    ),
  );
  // As gateway-ib: IB's historical limits announced in the status (history plans its chunks from them).
  subs.push(
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'status' }), () => ({
      v: 1,
      ok: true,
      status: {
        v: 1,
        broker,
        gatewayType: 'ib',
        state: 'connected',
        feeds: [],
        accounts: [],
        paper: true,
        tsMs: clock(),
        ...(r.brokerTime === undefined ? {} : { brokerTimeMs: r.brokerTime() }),
        capabilities: r.capabilities,
      },
    })),
  );
  subs.push(
    bus.serve<unknown, QualifyContractReply>(Subjects.brokerCommand.build({ broker, verb: 'qualifyContract' }), () => ({
      v: 1,
      ok: true,
      instruments: [INSTRUMENT],
    })),
  );
  return r;
}

export interface Fixture {
  readonly bus: Bus;
  readonly testBus: TestBus;
  readonly database: TestDatabase<unknown>;
  readonly broker: string;
  readonly schema: string;
  readonly responder: Responder;
  /** Settings every app of this fixture shares (same schema and broker). */
  readonly config: Partial<HistoryConfig>;
  startApp(extra?: Partial<HistoryConfig>): Promise<History>;
  close(): Promise<void>;
}

export async function openFixture(kind: 'nats' | 'memory', config: Partial<HistoryConfig> = {}): Promise<Fixture> {
  const testBus = kind === 'nats' ? await createTestNatsBus(catalog) : await createTestMemoryBus(catalog);
  const database = kind === 'nats' ? await openPgTestDatabase<unknown>() : await openPgliteTestDatabase<unknown>();
  const broker = uniqueName('b');
  const schema = database.newSchema('hist');
  const responder = startResponder(testBus.bus, broker);
  const apps: History[] = [];
  // The read model consumes a stream of order events: the test's, or else this fixture's own (the system's ORDERS
  // where the server has it), made when the first app starts — never one an earlier test happened to leave.
  let stream: { name: string; own: boolean } | undefined;
  const base: Partial<HistoryConfig> = {
    schema,
    brokers: [broker],
    ensureOrdersStream: false,
    ordersFilterSubject: `orders.evt.${broker}.>`,
    ordersDurable: uniqueName('d'),
    fetchTimeoutMs: 10_000,
    ...config,
  };
  return {
    bus: testBus.bus,
    testBus,
    database,
    broker,
    schema,
    responder,
    config: base,
    async startApp(extra = {}) {
      const own = { ...base, ...extra };
      if (own.ordersStream === undefined) {
        stream ??= await ensureTestStream(testBus.bus, broker);
        own.ordersStream = stream.name;
      }
      const app = await start({
        bus: testBus.bus,
        db: database.db as never,
        logger: testLogger,
        config: own,
        clock: () => NOW,
      });
      apps.push(app);
      return app;
    },
    async close() {
      responder.release();
      for (const a of apps) await a.stop();
      responder.close();
      if (stream?.own) await testBus.bus.jetstream.deleteStream(stream.name);
      await testBus.close();
      await database.close();
    },
  };
}

/**
 * A stream of this test's order events only (`orders.evt.<broker>.>`); where the server already has the system's
 * ORDERS stream (which captures `orders.evt.>` and so overlaps), that one, the test's messages confined to its
 * unique broker token. `own` says whether the test should delete it.
 */
export async function ensureTestStream(bus: Bus, broker: string): Promise<{ name: string; own: boolean }> {
  const name = uniqueName('HIST_ORDERS_');
  try {
    await bus.jetstream.ensureStream({
      name,
      subjects: [`orders.evt.${broker}.>`],
      storage: 'memory',
      duplicateWindowMs: 60_000,
    });
    return { name, own: true };
  } catch (err) {
    console.warn(`own test stream refused (${String(err)}); using ${ORDERS_STREAM.name}`);
    await bus.jetstream.ensureStream({
      name: ORDERS_STREAM.name,
      subjects: ORDERS_STREAM.subjects,
      storage: ORDERS_STREAM.storage,
      duplicateWindowMs: ORDERS_STREAM.duplicateWindowMs,
    });
    return { name: ORDERS_STREAM.name, own: false };
  }
}
