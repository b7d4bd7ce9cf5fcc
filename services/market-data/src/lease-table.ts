/**
 * Market-data leases, pure (the clock is a parameter). A lease says "client X wants stream S and bar timeframes T
 * of line K until time E". A line (one broker + instrument) needs a gateway subscription for stream S while at
 * least one lease on it wants S; a bar timeframe is aggregated while at least one lease wants it.
 *
 * Every mutation returns the resulting CHANGE of the line's needs (streams/timeframes added or dropped), so the
 * caller knows exactly which gateway commands to send: ref counting lives here and nowhere else.
 * Leases expire at `expiresAtMs`; `expire(now)` removes them, which is how a crashed client's lines get freed.
 */

export type StreamKind = 'ticks' | 'rtbars';

export interface LeaseSpec {
  /** Line key, e.g. `sim/265598`. */
  readonly key: string;
  readonly streams: readonly StreamKind[];
  readonly timeframes: readonly string[];
}

export interface Lease extends LeaseSpec {
  readonly leaseId: string;
  readonly expiresAtMs: number;
}

/** What a mutation changed on one line. `lineReleased`: no lease is left on the line. */
export interface LineChange {
  readonly key: string;
  readonly addedStreams: readonly StreamKind[];
  readonly droppedStreams: readonly StreamKind[];
  readonly addedTimeframes: readonly string[];
  readonly droppedTimeframes: readonly string[];
  readonly lineReleased: boolean;
}

interface LineRefs {
  leases: number;
  readonly streams: Map<StreamKind, number>;
  readonly timeframes: Map<string, number>;
}

export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
  constructor(
    readonly leaseId: string,
    readonly existingKey: string,
    readonly requestedKey: string,
  ) {
    super(`lease ${leaseId} belongs to line ${existingKey}, not ${requestedKey}; use a new lease id`);
  }
}

function bump<K>(m: Map<K, number>, k: K, d: 1 | -1): boolean {
  const n = (m.get(k) ?? 0) + d;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
  // true when the key appeared (0 → 1) or disappeared (1 → 0)
  return d === 1 ? n === 1 : n <= 0;
}

export class LeaseTable {
  private readonly leases = new Map<string, Lease>();
  private readonly lines = new Map<string, LineRefs>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.leases.size;
  }

  get(leaseId: string): Lease | undefined {
    return this.leases.get(leaseId);
  }

  /** Leases on a line (0 when the line is not open). */
  leasesOn(key: string): number {
    return this.lines.get(key)?.leases ?? 0;
  }

  /** Streams currently needed on the line. */
  streamsOf(key: string): StreamKind[] {
    return [...(this.lines.get(key)?.streams.keys() ?? [])];
  }

  timeframesOf(key: string): string[] {
    return [...(this.lines.get(key)?.timeframes.keys() ?? [])];
  }

  keys(): string[] {
    return [...this.lines.keys()];
  }

  /**
   * What `upsert` would add to the line, without changing anything (the caller opens gateway streams first and
   * only records the lease once that succeeded).
   */
  preview(spec: LeaseSpec): { addedStreams: StreamKind[]; addedTimeframes: string[] } {
    const refs = this.lines.get(spec.key);
    return {
      addedStreams: unique(spec.streams).filter((s) => !refs?.streams.has(s)),
      addedTimeframes: unique(spec.timeframes).filter((t) => !refs?.timeframes.has(t)),
    };
  }

  /**
   * Opens a lease, or renews it (same id, same line): the expiry moves to now + ttlMs and its streams/timeframes
   * are replaced by the new ones. Throws LeaseConflictError when the id is in use on another line.
   */
  upsert(leaseId: string, spec: LeaseSpec, ttlMs: number): { lease: Lease; change: LineChange; renewed: boolean } {
    const old = this.leases.get(leaseId);
    if (old !== undefined && old.key !== spec.key) throw new LeaseConflictError(leaseId, old.key, spec.key);
    const lease: Lease = {
      leaseId,
      key: spec.key,
      streams: unique(spec.streams),
      timeframes: unique(spec.timeframes),
      expiresAtMs: this.now() + ttlMs,
    };
    let refs = this.lines.get(spec.key);
    if (refs === undefined) {
      refs = { leases: 0, streams: new Map(), timeframes: new Map() };
      this.lines.set(spec.key, refs);
    }
    const added = this.add(refs, lease);
    const dropped = old === undefined ? { streams: [], timeframes: [] } : this.drop(refs, old);
    if (old === undefined) refs.leases++;
    this.leases.set(leaseId, lease);
    return {
      lease,
      renewed: old !== undefined,
      change: {
        key: spec.key,
        // a stream both dropped by the old version and re-added by the new one is no change at all
        addedStreams: added.streams.filter((s) => !dropped.streams.includes(s)),
        droppedStreams: dropped.streams.filter((s) => !added.streams.includes(s)),
        addedTimeframes: added.timeframes.filter((t) => !dropped.timeframes.includes(t)),
        droppedTimeframes: dropped.timeframes.filter((t) => !added.timeframes.includes(t)),
        lineReleased: false,
      },
    };
  }

  /** Ends a lease now; undefined when the id is unknown (or already expired and swept). */
  remove(leaseId: string): LineChange | undefined {
    const lease = this.leases.get(leaseId);
    if (lease === undefined) return undefined;
    this.leases.delete(leaseId);
    const refs = this.lines.get(lease.key);
    if (refs === undefined) throw new Error(`lease table out of balance: no line ${lease.key} for ${leaseId}`);
    const dropped = this.drop(refs, lease);
    refs.leases--;
    const lineReleased = refs.leases === 0;
    if (lineReleased) this.lines.delete(lease.key);
    return {
      key: lease.key,
      addedStreams: [],
      droppedStreams: dropped.streams,
      addedTimeframes: [],
      droppedTimeframes: dropped.timeframes,
      lineReleased,
    };
  }

  /** Removes every lease whose expiry is at or before now; returns them with the change each caused. */
  expire(): Array<{ lease: Lease; change: LineChange }> {
    const t = this.now();
    const out: Array<{ lease: Lease; change: LineChange }> = [];
    for (const lease of [...this.leases.values()]) {
      if (lease.expiresAtMs > t) continue;
      const change = this.remove(lease.leaseId);
      if (change !== undefined) out.push({ lease, change });
    }
    return out;
  }

  /** Leases whose expiry is at or before now, without removing them (the caller removes each in its own turn). */
  due(): Lease[] {
    const t = this.now();
    return [...this.leases.values()].filter((l) => l.expiresAtMs <= t);
  }

  /** Earliest expiry of any lease, for timers; undefined when there is none. */
  nextExpiryMs(): number | undefined {
    let min: number | undefined;
    for (const l of this.leases.values()) if (min === undefined || l.expiresAtMs < min) min = l.expiresAtMs;
    return min;
  }

  private add(refs: LineRefs, lease: Lease): { streams: StreamKind[]; timeframes: string[] } {
    return {
      streams: lease.streams.filter((s) => bump(refs.streams, s, 1)),
      timeframes: lease.timeframes.filter((t) => bump(refs.timeframes, t, 1)),
    };
  }

  private drop(refs: LineRefs, lease: Lease): { streams: StreamKind[]; timeframes: string[] } {
    return {
      streams: lease.streams.filter((s) => bump(refs.streams, s, -1)),
      timeframes: lease.timeframes.filter((t) => bump(refs.timeframes, t, -1)),
    };
  }
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
