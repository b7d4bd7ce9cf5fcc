/**
 * market-data: leases on `md.subscribe` / `md.unsubscribe` → one gateway subscription per broker + instrument
 * (however many clients), the last-quote cache behind `md.snapshot`, bars of any timeframe on
 * `md.bar.<timeframe>.<broker>.<instrumentId>`, feed health on `md.health.<broker>.<instrumentId>`.
 *
 * Run ONE instance per NATS system: leases live in this process (a second instance would hold a second set of
 * gateway references). A crash loses the leases; clients renew with the same lease id and get them back.
 */
import { type Bus, RequestTimeoutError, type Subscription } from '@trading-system/bus';
import {
  type Bar,
  type BrokerStatus,
  barSizeToTimeframe,
  ContractError,
  type FeedHealth,
  type Instrument,
  type InstrumentRef,
  isIdRef,
  type MdSnapshotItem,
  type MdSnapshotReply,
  type MdSnapshotRequest,
  type MdSubscribeReply,
  type MdSubscribeRequest,
  type MdUnsubscribeReply,
  type MdUnsubscribeRequest,
  parseTimeframe,
  Subjects,
  type Tick,
  type Trade,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { z } from 'zod';
import { DEFAULT_CONFIG, type MarketDataConfig } from './config.js';
import { asContractError, toErrorReply } from './errors.js';
import { GatewayClient } from './gateway-client.js';
import { KeyedQueue } from './keyed-queue.js';
import { type LeaseSpec, LeaseTable, type LineChange, type StreamKind } from './lease-table.js';
import { Line, lineKey } from './line.js';

export interface MarketDataDeps {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly config?: Partial<MarketDataConfig>;
  /** Epoch ms; injectable for tests. */
  readonly clock?: () => number;
  /**
   * Request subjects to serve (default `md.subscribe` / `md.unsubscribe` / `md.snapshot`). Tests running several
   * instances on one NATS server give each its own; the catalog must know them.
   */
  readonly subjects?: { readonly subscribe: string; readonly unsubscribe: string; readonly snapshot: string };
}

export interface MarketDataService {
  /** Open lines (for tests and metrics). */
  lines(): ReadonlyMap<string, Line>;
  readonly leases: LeaseTable;
  stop(): Promise<void>;
}

export async function start(deps: MarketDataDeps): Promise<MarketDataService> {
  const { bus } = deps;
  const log = deps.logger.child({ component: 'market-data' });
  const cfg: MarketDataConfig = { ...DEFAULT_CONFIG, ...deps.config };
  const now = deps.clock ?? Date.now;
  const subjects = deps.subjects ?? {
    subscribe: Subjects.mdSubscribe.build(),
    unsubscribe: Subjects.mdUnsubscribe.build(),
    snapshot: Subjects.mdSnapshot.build(),
  };
  const gateway = new GatewayClient(bus, cfg.gatewayTimeoutMs);
  const table = new LeaseTable(now);
  const lines = new Map<string, Line>();
  const lineSubs = new Map<string, Map<StreamKind, Subscription>>();
  const queue = new KeyedQueue();
  const subs: Subscription[] = [];
  let stopping = false;
  let snapshotSeq = 0;

  const publish = (subject: string, body: Bar | FeedHealth): void => {
    try {
      bus.publish(subject, body);
    } catch (err) {
      log.error({ err, subject }, 'publish failed');
    }
  };

  const newLine = (broker: string, instrument: Instrument): Line => {
    const line = new Line(
      broker,
      instrument,
      cfg,
      {
        bar: (bar) =>
          publish(Subjects.mdBar.build({ timeframe: bar.timeframe, broker, instrument: bar.instrumentId }), bar),
        health: (h, changed) => {
          publish(Subjects.mdHealth.build({ broker, instrument: h.instrumentId }), h);
          const fields = { ...h, ...(changed === undefined ? {} : { from: changed.from }) };
          if (changed === undefined) log.debug(fields, 'feed health');
          else if (h.state === 'stale' || h.state === 'down') log.warn(fields, 'feed state changed');
          else log.info(fields, 'feed state changed');
        },
      },
      now,
    );
    lines.set(line.key, line);
    lineSubs.set(line.key, new Map());
    return line;
  };

  /**
   * Opens gateway streams; the bus subscription comes first so no early tick is missed. The line budget is the
   * gateway's (it sees every consumer of the broker's lines): a line beyond it comes back LINE_BUDGET_EXHAUSTED.
   */
  const openStreams = async (line: Line, streams: readonly StreamKind[]): Promise<void> => {
    if (streams.length === 0) return;
    await openGatewayStreams(line, streams);
  };

  const openGatewayStreams = async (line: Line, streams: readonly StreamKind[]): Promise<void> => {
    const byStream = lineSubs.get(line.key);
    for (const s of streams) {
      if (byStream?.has(s)) continue;
      const inst = { broker: line.broker, instrument: line.instrumentId };
      const sub =
        s === 'ticks'
          ? quoteAndTradeSubs(line)
          : bus.subscribe<Bar>(Subjects.mdRtBar.build(inst), (m) => line.onRtBar(m.data));
      byStream?.set(s, sub);
    }
    try {
      await settleUnresolved(line.key, false);
      const r = await gateway.subscribe(line.broker, line.instrument, streams);
      if (streams.includes('ticks') && r.subjects.includes(tradeSubjectOf(line))) line.exactTrades = true;
      for (const s of streams) {
        line.gatewayStreams.add(s);
        if (r.instanceId !== undefined) line.streamInstance.set(s, r.instanceId);
      }
      if (r.delayed) line.delayed = true;
      log.info({ broker: line.broker, instrumentId: line.instrumentId, streams }, 'gateway line opened');
    } catch (err) {
      for (const s of streams) if (!line.gatewayStreams.has(s)) closeSub(line, s);
      if (err instanceof RequestTimeoutError) compensate(line, streams);
      throw err;
    }
  };

  const tradeSubjectOf = (line: Line): string =>
    Subjects.mdTrade.build({ broker: line.broker, instrument: line.instrumentId });

  /** A ticks stream is the quote state and, from gateways that publish them, the exact trades bars are built from. */
  const quoteAndTradeSubs = (line: Line): Subscription => {
    const quotes = bus.subscribe<Tick>(
      Subjects.mdTick.build({ broker: line.broker, instrument: line.instrumentId }),
      (m) => line.onTick(m.data),
    );
    const trades = bus.subscribe<Trade>(tradeSubjectOf(line), (m) => line.onTrade(m.data));
    return {
      unsubscribe() {
        quotes.unsubscribe();
        trades.unsubscribe();
      },
    };
  };

  /**
   * A subscribe that timed out is unresolved: the gateway may still open the line. One timeout later (when the
   * late subscribe has landed, if it ever does) the reference is given back; the gateway ignores a release of a
   * line it does not hold. A new open of the same line waits for that give-back first (in the line's queue), so
   * our release neither overtakes the late subscribe nor closes the new line. stop() gives back at once.
   */
  interface Unresolved {
    done: boolean;
    readonly dueAtMs: number;
    readonly run: () => Promise<void>;
  }
  const unresolved = new Map<string, Unresolved[]>();
  const compensate = (line: Line, streams: readonly StreamKind[]): void => {
    const u: Unresolved = {
      done: false,
      dueAtMs: Date.now() + cfg.gatewayTimeoutMs,
      run: async () => {
        if (u.done) return;
        u.done = true;
        clearTimeout(timer);
        const rest = (unresolved.get(line.key) ?? []).filter((x) => x !== u);
        if (rest.length === 0) unresolved.delete(line.key);
        else unresolved.set(line.key, rest);
        try {
          await gateway.unsubscribe(line.broker, line.instrumentId, streams);
          log.info({ key: line.key, streams }, 'unresolved gateway subscribe given back');
        } catch (err) {
          log.warn({ err, key: line.key, streams }, 'giving back an unresolved gateway subscribe failed');
        }
      },
    };
    const timer = setTimeout(() => {
      queue.run(line.key, u.run).catch((err: unknown) => log.error({ err, key: line.key }, 'give-back failed'));
    }, cfg.gatewayTimeoutMs);
    unresolved.set(line.key, [...(unresolved.get(line.key) ?? []), u]);
  };
  /** Gives back a line's unresolved subscribes, at their due time unless `now` (caller is in the line's queue). */
  const settleUnresolved = async (key: string, immediately: boolean): Promise<void> => {
    for (const u of unresolved.get(key) ?? []) {
      const wait = u.dueAtMs - Date.now();
      if (!immediately && wait > 0) await new Promise((r) => setTimeout(r, wait));
      await u.run();
    }
  };

  const closeSub = (line: Line, s: StreamKind): void => {
    const byStream = lineSubs.get(line.key);
    byStream?.get(s)?.unsubscribe();
    byStream?.delete(s);
  };

  const closeStreams = async (line: Line, streams: readonly StreamKind[]): Promise<void> => {
    const open = streams.filter((s) => line.gatewayStreams.has(s));
    for (const s of streams) {
      closeSub(line, s);
      line.gatewayStreams.delete(s);
      line.streamInstance.delete(s);
    }
    if (streams.includes('rtbars')) line.rtbarsClosed();
    if (open.length === 0) return;
    try {
      await gateway.unsubscribe(line.broker, line.instrumentId, open);
      log.info({ broker: line.broker, instrumentId: line.instrumentId, streams: open }, 'gateway line released');
    } catch (err) {
      // The gateway is unreachable or refused: its line is gone with its session, or it will be refused again.
      log.warn({ err, broker: line.broker, instrumentId: line.instrumentId, streams: open }, 'gateway release failed');
    }
  };

  /** A line's gateway streams held by another gateway instance than `instanceId` (the one now serving). */
  const heldElsewhere = (line: Line, instanceId: string): StreamKind[] =>
    [...line.gatewayStreams].filter((s) => {
      const held = line.streamInstance.get(s);
      return held !== undefined && held !== instanceId;
    });

  /**
   * The broker's gateway instance changed (the broker removed and added again under the same name, or gateway-ib
   * restarted): the new instance holds none of our subscriptions, so nothing would feed the line. Ask it again,
   * in the line's queue so a concurrent grant or release sees the result. A failure is retried at the broker's next
   * status (every few seconds); a timeout is given back like any unresolved subscribe first. (A reconnect of the
   * same instance needs nothing: gateway-ib re-requests its own lines then.)
   */
  const requestAgain = (line: Line, instanceId: string): Promise<void> =>
    queue.run(line.key, async () => {
      if (lines.get(line.key) !== line) return;
      const streams = heldElsewhere(line, instanceId);
      if (streams.length === 0) return;
      await settleUnresolved(line.key, false);
      try {
        const r = await gateway.subscribe(line.broker, line.instrument, streams);
        // the new instance may be another version: its reply says again whether it publishes exact trades
        if (streams.includes('ticks')) line.exactTrades = r.subjects.includes(tradeSubjectOf(line));
        for (const s of streams) if (r.instanceId !== undefined) line.streamInstance.set(s, r.instanceId);
        if (r.delayed) line.delayed = true;
        line.requested();
        log.info(
          { broker: line.broker, instrumentId: line.instrumentId, streams, instanceId },
          'gateway line asked for again',
        );
      } catch (err) {
        if (err instanceof RequestTimeoutError) compensate(line, streams);
        log.warn(
          { err, broker: line.broker, instrumentId: line.instrumentId, streams },
          'asking a new gateway instance failed',
        );
      }
    });

  const dropLine = (line: Line): void => {
    for (const s of [...(lineSubs.get(line.key)?.keys() ?? [])]) closeSub(line, s);
    lineSubs.delete(line.key);
    lines.delete(line.key);
  };

  /** Applies what a lease change means for the line (inside the line's queue). */
  const apply = async (line: Line, change: LineChange): Promise<void> => {
    for (const tf of change.droppedTimeframes) line.dropTimeframe(tf);
    await closeStreams(line, change.droppedStreams);
    for (const tf of change.addedTimeframes) line.addTimeframe(tf, line.gatewayStreams.has('rtbars'));
    line.leases = table.leasesOn(line.key);
    if (change.lineReleased) dropLine(line);
  };

  /** Grants or renews a lease; opens what the line lacks first, so a failure leaves no lease behind. */
  const grant = async (
    leaseId: string,
    broker: string,
    instrument: Instrument,
    streams: readonly StreamKind[],
    timeframes: readonly string[],
    ttlMs: number,
  ): Promise<{ line: Line; expiresAtMs: number }> => {
    const key = lineKey(broker, instrument.id);
    return queue.run(key, async () => {
      const existing = table.get(leaseId);
      if (existing !== undefined && existing.key !== key)
        throw new ContractError('VALIDATION_FAILED', `lease ${leaseId} belongs to line ${existing.key}`);
      const spec: LeaseSpec = { key, streams, timeframes };
      const line = lines.get(key) ?? newLine(broker, instrument);
      const preview = table.preview(spec);
      // aggregators exist before the first tick can arrive, so no trade of a new line escapes its bars
      const rtbars = streams.includes('rtbars') || table.streamsOf(key).includes('rtbars');
      for (const tf of preview.addedTimeframes) line.addTimeframe(tf, rtbars);
      try {
        await openStreams(line, preview.addedStreams);
      } catch (err) {
        for (const tf of preview.addedTimeframes) line.dropTimeframe(tf);
        if (table.leasesOn(key) === 0) dropLine(line);
        throw err;
      }
      const { lease, change, renewed } = table.upsert(leaseId, spec, ttlMs);
      await apply(line, change);
      log.debug({ leaseId, key, renewed, expiresAtMs: lease.expiresAtMs }, renewed ? 'lease renewed' : 'lease granted');
      return { line, expiresAtMs: lease.expiresAtMs };
    });
  };

  const release = (leaseId: string, why: 'unsubscribed' | 'expired'): Promise<boolean | undefined> => {
    const lease = table.get(leaseId);
    if (lease === undefined) return Promise.resolve(undefined);
    return queue.run(lease.key, async () => {
      const current = table.get(leaseId);
      // an expiry raced with a renewal: the renewal won
      if (current === undefined || (why === 'expired' && current.expiresAtMs > now())) return undefined;
      const change = table.remove(leaseId);
      const line = lines.get(current.key);
      if (change === undefined || line === undefined) return undefined;
      await apply(line, change);
      log.info({ leaseId, key: current.key, why, lineReleased: change.lineReleased }, 'lease ended');
      return change.lineReleased;
    });
  };

  subs.push(
    bus.serve<MdSubscribeRequest, MdSubscribeReply>(subjects.subscribe, async (req) => {
      try {
        // Any spelling ('7 mins', '15min', '1H'): one canonical token per timeframe, so one subject and one line.
        const timeframes = [...new Set(req.timeframes.map(barSizeToTimeframe))];
        for (const tf of timeframes) {
          if (parseTimeframe(tf).seconds === undefined)
            throw new ContractError('VALIDATION_FAILED', `timeframe ${tf}: calendar months are not aggregated live`);
        }
        const instrument = await gateway.qualify(req.broker, req.instrument);
        const { line, expiresAtMs } = await grant(
          req.leaseId,
          req.broker,
          instrument,
          req.streams,
          timeframes,
          req.ttlMs,
        );
        const out: string[] = [];
        const inst = { broker: req.broker, instrument: instrument.id };
        if (req.streams.includes('ticks')) out.push(Subjects.mdTick.build(inst));
        if (req.streams.includes('ticks') && line.exactTrades) out.push(Subjects.mdTrade.build(inst));
        if (req.streams.includes('rtbars')) out.push(Subjects.mdRtBar.build(inst));
        for (const timeframe of timeframes) out.push(Subjects.mdBar.build({ ...inst, timeframe }));
        return { v: 1, ok: true, leaseId: req.leaseId, instrument, subjects: out, expiresAtMs, delayed: line.delayed };
      } catch (err) {
        return toErrorReply(err, log, subjects.subscribe);
      }
    }),
    bus.serve<MdUnsubscribeRequest, MdUnsubscribeReply>(subjects.unsubscribe, async (req) => {
      try {
        const released = await release(req.leaseId, 'unsubscribed');
        if (released === undefined)
          return { v: 1, ok: false, code: 'LEASE_NOT_FOUND', message: `no lease ${req.leaseId} (expired?)` };
        return { v: 1, ok: true, leaseId: req.leaseId, lineReleased: released };
      } catch (err) {
        return toErrorReply(err, log, subjects.unsubscribe);
      }
    }),
    bus.serve<MdSnapshotRequest, MdSnapshotReply>(subjects.snapshot, async (req) => {
      const items = await Promise.all(req.instruments.map((ref) => snapshotOne(req.broker, ref, req.cachedOnly)));
      return { v: 1, ok: true, items };
    }),
    bus.subscribe<BrokerStatus>(Subjects.brokerStatus.filter(), (m) => {
      const { broker, state, instanceId } = m.data;
      if (state === 'disconnected') {
        for (const line of lines.values()) if (line.broker === broker) line.brokerDown();
        return;
      }
      if (instanceId === undefined) return;
      for (const line of lines.values()) {
        if (line.broker !== broker || heldElsewhere(line, instanceId).length === 0) continue;
        requestAgain(line, instanceId).catch((err: unknown) =>
          log.error({ err, key: line.key }, 'asking the gateway again failed'),
        );
      }
    }),
  );

  const snapshotOne = async (
    broker: string,
    ref: InstrumentRef,
    cachedOnly: boolean,
  ): Promise<z.infer<typeof MdSnapshotItem>> => {
    try {
      let line = isIdRef(ref) ? lines.get(lineKey(broker, ref.id)) : undefined;
      if (line === undefined) {
        const instrument = cachedOnly && isIdRef(ref) ? undefined : await gateway.qualify(broker, ref);
        line = instrument === undefined ? undefined : lines.get(lineKey(broker, instrument.id));
        if (line === undefined) {
          if (cachedOnly || instrument === undefined)
            return { ok: false, code: 'NOT_FOUND', message: 'no line open for the instrument (cachedOnly)' };
          // An instrument nobody watches: take a short lease of our own; it keeps the line warm for follow-ups.
          snapshotSeq++;
          const leaseId = `snapshot-${process.pid}-${now()}-${snapshotSeq}`;
          ({ line } = await grant(leaseId, broker, instrument, ['ticks'], [], cfg.snapshotLeaseMs));
        }
      }
      // A line in its opening burst (just opened here or by a subscriber, or re-requested from a new gateway
      // instance) answers once its state is a complete quote, or at the deadline with what it has (complete:
      // false). Waiting here rather than asking the broker for a snapshot (broker.<b>.cmd.mdSnapshot, which ends
      // at IB's tickSnapshotEnd): the line is already streaming and stays warm for follow-ups, while a broker
      // snapshot would take a second IB line of the budget per instrument, up to ~11 s each, and give a quote
      // from outside the cache the next snapshot answers from. A line past its burst answers at once: what it
      // lacks then (an option IB computes no greeks for) will not come within the deadline either.
      if (!cachedOnly) {
        const l = line;
        const ready = l.opening(cfg.snapshotWaitMs) ? () => l.quoteComplete() : () => l.lastTick !== undefined;
        await l.waitUntil(ready, cfg.snapshotWaitMs);
      }
      const tick = line.lastTick;
      if (tick === undefined) return { ok: false, code: 'TIMEOUT', message: 'no tick arrived for the instrument yet' };
      return { ok: true, tick, ageMs: line.ageMs() ?? 0, state: line.state, complete: line.quoteComplete() };
    } catch (err) {
      const e = asContractError(err);
      if (e.code === 'INTERNAL_ERROR') log.error({ err, broker }, 'snapshot failed');
      return { ok: false, code: e.code, message: e.message };
    }
  };

  let summaryAtMs = now();
  const ticksAtSummary = new Map<string, number>();
  const sweep = (): void => {
    if (stopping) return;
    for (const lease of table.due()) {
      release(lease.leaseId, 'expired').catch((err: unknown) =>
        log.error({ err, leaseId: lease.leaseId }, 'expiring a lease failed'),
      );
    }
    for (const line of lines.values()) line.sweep();
    const t = now();
    if (t - summaryAtMs >= cfg.summaryEveryMs) {
      const elapsedS = (t - summaryAtMs) / 1000;
      summaryAtMs = t;
      const states: Record<string, number> = {};
      // per line: state, age of the last tick and tick rate since the last summary (first 100 lines, to bound the entry)
      const feeds: Array<{ line: string; state: string; ageMs: number | undefined; ticksPerSec: number }> = [];
      for (const l of lines.values()) {
        states[l.state] = (states[l.state] ?? 0) + 1;
        const before = ticksAtSummary.get(l.key) ?? 0;
        ticksAtSummary.set(l.key, l.ticks);
        if (feeds.length < 100)
          feeds.push({
            line: l.key,
            state: l.state,
            ageMs: l.ageMs(),
            ticksPerSec: Math.round((l.ticks - before) / elapsedS),
          });
      }
      for (const k of ticksAtSummary.keys()) if (!lines.has(k)) ticksAtSummary.delete(k);
      log.info({ lines: lines.size, leases: table.size, states, feeds }, 'market-data summary');
    }
  };
  const timer = setInterval(sweep, cfg.sweepEveryMs);

  return {
    lines: () => lines,
    leases: table,
    async stop() {
      stopping = true;
      clearInterval(timer);
      for (const s of subs.splice(0)) s.unsubscribe();
      await queue.idle();
      await Promise.all([...unresolved.keys()].map((key) => settleUnresolved(key, true)));
      // Give the gateway its references back: its IB lines must not outlive us.
      await Promise.all(
        [...lines.values()].map(async (line) => {
          await closeStreams(line, [...line.gatewayStreams]);
          dropLine(line);
        }),
      );
    },
  };
}
