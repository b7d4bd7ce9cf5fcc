/** Test wiring: a real NATS bus, market-data started in-process on its own request subjects, unique broker names. */
import type { Bus, Received } from '@trading-system/bus';
import { type CatalogEntry, catalog, createCatalog, type Instrument, Subjects } from '@trading-system/contracts';
import { createLogger } from '@trading-system/runtime';
import { createTestNatsBus, type TestBus } from '@trading-system/testkit';
import { type MarketDataDeps, type MarketDataService, start } from '../src/app.js';
import type { MarketDataConfig } from '../src/config.js';

export const testLogger = createLogger({
  service: 'market-data-test',
  level: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent',
});

const MD_REQUESTS = new Set(['md.subscribe', 'md.unsubscribe', 'md.snapshot']);
/** The real catalog plus `<prefix>.md.subscribe|unsubscribe|snapshot`, so each test file serves its own. */
export const testCatalog = createCatalog([
  ...catalog.entries,
  ...catalog.entries
    .filter((e) => MD_REQUESTS.has(e.pattern))
    .map((e): CatalogEntry => ({ ...e, pattern: `*.${e.pattern}` })),
]);

export interface MdHarness {
  readonly nats: TestBus;
  readonly bus: Bus;
  readonly md: MarketDataService;
  readonly subjects: { subscribe: string; unsubscribe: string; snapshot: string };
  /** Moves the service clock forward (lease expiry without waiting). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startMd(
  config: Partial<MarketDataConfig> = {},
  bus?: TestBus,
  logger: MarketDataDeps['logger'] = testLogger,
  /** The service's clock (default the wall); `advance` moves it further. A scaled sim clock runs market time. */
  clock: () => number = Date.now,
): Promise<MdHarness> {
  const nats = bus ?? (await createTestNatsBus(testCatalog));
  let offset = 0;
  const subjects = {
    subscribe: nats.subject('md', 'subscribe'),
    unsubscribe: nats.subject('md', 'unsubscribe'),
    snapshot: nats.subject('md', 'snapshot'),
  };
  const deps: MarketDataDeps = {
    bus: nats.bus,
    logger,
    config: { sweepEveryMs: 20, ...config },
    clock: () => clock() + offset,
    subjects,
  };
  const md = await start(deps);
  return {
    nats,
    bus: nats.bus,
    md,
    subjects,
    advance: (ms) => {
      offset += ms;
    },
    async close() {
      await md.stop();
      if (bus === undefined) await nats.close();
    },
  };
}

export function instrument(instrumentId: string): Instrument {
  return {
    id: instrumentId,
    secType: 'STK',
    symbol: `T${instrumentId}`,
    localSymbol: `T${instrumentId}`,
    exchange: 'SMART',
    currency: 'USD',
    minTick: '0.01',
    timeZone: 'America/New_York',
  };
}

/**
 * The outer boundary when no gateway runs: answers broker.<name>.cmd.* like gateway-ib and counts the lines.
 * `trades`: announce exact trades (`md.trade.*` in the mdSubscribe reply), as gateway-ib does; without it the
 * gateway is one that publishes quote state only.
 */
export function fakeGateway(bus: Bus, broker: string, opts: { trades?: boolean } = {}) {
  const refs = new Map<string, number>();
  const calls: Array<{ verb: string; instrumentId: string; streams?: string[] }> = [];
  let refuseNext: string | undefined;
  let delayNextMs = 0;
  const waiters: Array<() => void> = [];
  const note = (c: (typeof calls)[number]) => {
    calls.push(c);
    for (const w of waiters.splice(0)) w();
  };
  const subs = [
    bus.serve(
      Subjects.brokerCommand.build({ broker, verb: 'qualifyContract' }),
      (req: { instrument: { id: string } }) => ({
        v: 1,
        ok: true,
        instruments: [instrument(req.instrument.id)],
      }),
    ),
    bus.serve(
      Subjects.brokerCommand.build({ broker, verb: 'mdSubscribe' }),
      async (req: { instrument: { id: string }; streams: string[] }) => {
        if (delayNextMs > 0) {
          // a slow gateway: the answer comes after the caller gave up
          const ms = delayNextMs;
          delayNextMs = 0;
          await new Promise((r) => setTimeout(r, ms));
        }
        if (refuseNext !== undefined) {
          const code = refuseNext;
          refuseNext = undefined;
          return { v: 1, ok: false, code, message: 'refused by the test gateway' };
        }
        const c = req.instrument.id;
        refs.set(c, (refs.get(c) ?? 0) + 1);
        note({ verb: 'mdSubscribe', instrumentId: c, streams: req.streams });
        const subjects = [Subjects.mdTick.build({ broker, instrument: c })];
        if (opts.trades === true) subjects.push(Subjects.mdTrade.build({ broker, instrument: c }));
        return { v: 1, ok: true, subjects, delayed: false };
      },
    ),
    bus.serve(
      Subjects.brokerCommand.build({ broker, verb: 'mdUnsubscribe' }),
      (req: { instrument: { id: string }; streams: string[] }) => {
        const c = req.instrument.id;
        // like gateway-ib: releasing a line it does not hold changes nothing
        if ((refs.get(c) ?? 0) > 0) refs.set(c, (refs.get(c) ?? 0) - 1);
        note({ verb: 'mdUnsubscribe', instrumentId: c, streams: req.streams });
        return { v: 1, ok: true };
      },
    ),
  ];
  return {
    refs,
    calls,
    refuseNext(code: string) {
      refuseNext = code;
    },
    delayNext(ms: number) {
      delayNextMs = ms;
    },
    /** Resolves once `cond()` holds, re-checked after every gateway call. */
    async until(cond: () => boolean, ms = 3_000, what = 'gateway calls'): Promise<void> {
      const p = new Promise<void>((resolve) => {
        const check = () => (cond() ? resolve() : waiters.push(check));
        check();
      });
      await withTimeout(p, ms, what);
    },
    stop() {
      for (const s of subs) s.unsubscribe();
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Collects messages on a subject; `next(match)` resolves with the first (already seen or future) that matches. */
export function collect<T>(bus: Bus, subject: string) {
  const seen: T[] = [];
  const waiters: Array<{ match: (m: T) => boolean; resolve: (m: T) => void }> = [];
  const sub = bus.subscribe<T>(subject, (msg: Received<T>) => {
    seen.push(msg.data);
    for (const w of [...waiters]) {
      if (w.match(msg.data)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg.data);
      }
    }
  });
  return {
    seen,
    next(match: (m: T) => boolean = () => true, ms = 5_000, what = `a message on ${subject}`): Promise<T> {
      const hit = seen.find(match);
      if (hit !== undefined) return Promise.resolve(hit);
      return withTimeout(new Promise<T>((resolve) => waiters.push({ match, resolve })), ms, what);
    },
    /** Resolves when `n` messages matching have been seen. */
    async count(n: number, match: (m: T) => boolean = () => true, ms = 5_000): Promise<T[]> {
      const started = Date.now();
      while (seen.filter(match).length < n) {
        if (Date.now() - started > ms) throw new Error(`saw ${seen.filter(match).length} of ${n} on ${subject}`);
        await withTimeout(
          new Promise<void>((resolve) => waiters.push({ match: () => true, resolve: () => resolve() })),
          Math.max(1, ms - (Date.now() - started)),
          `${n} messages on ${subject} (saw ${seen.filter(match).length})`,
        );
      }
      return seen.filter(match);
    },
    stop: () => sub.unsubscribe(),
  };
}
