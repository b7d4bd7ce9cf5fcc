/**
 * `md.snapshot`: the cached quote of up to 100 instruments, in request order. An instrument without a line gets a
 * short lease of market-data's own (unless `cachedOnly`), which keeps the line warm for follow-ups.
 */
import {
  type InstrumentRef,
  isIdRef,
  type MdSnapshotItem,
  type MdSnapshotReply,
  type MdSnapshotRequest,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { z } from 'zod';
import type { MarketDataConfig } from '../config.js';
import { asContractError } from '../errors.js';
import type { GatewayClient } from '../gateway-client.js';
import type { GatewayLines } from '../gateway-lines.js';
import type { LeaseRequest, Leases } from '../leases.js';
import { lineKey } from '../line.js';

export function mdSnapshotHandler(
  gateway: GatewayClient,
  lines: GatewayLines,
  leases: Leases,
  cfg: MarketDataConfig,
  log: Logger,
  now: () => number,
): (req: MdSnapshotRequest) => Promise<MdSnapshotReply> {
  let snapshotSeq = 0;

  const snapshotOne = async (
    broker: string,
    ref: InstrumentRef,
    cachedOnly: boolean,
  ): Promise<z.infer<typeof MdSnapshotItem>> => {
    try {
      let line = isIdRef(ref) ? lines.get(lineKey(broker, ref.id)) : undefined;
      let ownLease: LeaseRequest | undefined;
      if (line === undefined) {
        const instrument = cachedOnly && isIdRef(ref) ? undefined : await gateway.qualify(broker, ref);
        line = instrument === undefined ? undefined : lines.get(lineKey(broker, instrument.id));
        if (line === undefined) {
          if (cachedOnly || instrument === undefined)
            return { ok: false, code: 'NOT_FOUND', message: 'no line open for the instrument (cachedOnly)' };
          // An instrument nobody watches: take a short lease of our own; it keeps the line warm for follow-ups.
          // It must outlast the wait below: a lease of snapshotLeaseMs alone expired while a busy gateway's
          // governor still held the line's first request (100 fresh lines are 200 IB messages at 40/s), the
          // sweep closed the line, and the snapshot answered TIMEOUT at its deadline although the quote came.
          // Shortened to snapshotLeaseMs from the answer once the wait is over.
          snapshotSeq++;
          ownLease = {
            leaseId: `snapshot-${process.pid}-${now()}-${snapshotSeq}`,
            broker,
            instrument,
            streams: ['ticks'],
            timeframes: [],
            ttlMs: cfg.snapshotLeaseMs,
          };
          ({ line } = await leases.grant({ ...ownLease, ttlMs: cfg.snapshotWaitMs + cfg.snapshotLeaseMs }));
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
        if (ownLease !== undefined) await leases.grant(ownLease);
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

  return async (req) => {
    // Answered from the state after every tick that reached this process before the request, also ticks read in
    // the same socket read: the bus handles messages in the order they were read (a tick's synchronous handler runs
    // before a request read after it starts; libs/bus SerialQueue).
    const items = await Promise.all(req.instruments.map((ref) => snapshotOne(req.broker, ref, req.cachedOnly)));
    return { v: 1, ok: true, items };
  };
}
