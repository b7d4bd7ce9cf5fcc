/**
 * Live data of the charts: one Server-Sent Events stream per open chart (`GET /api/bars/live`), fed by one
 * market-data lease per series however many pages show it. The lease asks market-data for completed bars of the
 * chart's timeframe (`md.bar.<timeframe>.<broker>.<instrumentId>`, published when a bar closes) and keeps the instrument's
 * quote line open; the chart's ticks (`md.tick.<broker>.<instrumentId>`) are forwarded too, so the page can draw the bar
 * still forming between two completed ones. The lease is renewed at half its lifetime and released when the last
 * page showing the series goes away.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Bus, Subscription } from '@trading-system/bus';
import { MarketDataClient } from '@trading-system/clients';
import { type Bar, registryCodeOf, Subjects, type Tick } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';

export interface SeriesKey {
  readonly broker: string;
  readonly instrumentId: string;
  /** Canonical timeframe token (`5s`, `1m`, `1h`). */
  readonly timeframe: string;
}

/** A completed bar as the page draws it: times in epoch ms, prices as the exact decimal strings. */
export interface BarView {
  readonly t: number;
  readonly end: number;
  readonly o: string;
  readonly h: string;
  readonly l: string;
  readonly c: string;
  readonly v: string;
}

export const toBarView = (b: {
  tsStartMs: number;
  tsEndMs: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}): BarView => ({ t: b.tsStartMs, end: b.tsEndMs, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume });

const LEASE_TTL_MS = 60_000;
const KEEPALIVE_MS = 15_000;

interface Feed {
  readonly key: string;
  readonly clients: Set<ServerResponse>;
  readonly leaseId: string;
  subs: Subscription[];
  renew?: NodeJS.Timeout;
  /** Settles once the lease is granted (or refused): a page joining meanwhile waits for it. */
  opened: Promise<void>;
}

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class ChartFeeds {
  private readonly feeds = new Map<string, Feed>();
  private readonly keepalive = setInterval(() => {
    for (const f of this.feeds.values()) for (const res of f.clients) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS).unref();

  private readonly md: MarketDataClient;

  constructor(private readonly deps: { readonly bus: Bus; readonly logger: Logger; readonly timeoutMs: number }) {
    this.md = new MarketDataClient(deps.bus, { timeoutMs: deps.timeoutMs });
  }

  /** Open series (for tests and the operator's curiosity): key → pages showing it. */
  get open(): ReadonlyMap<string, number> {
    return new Map([...this.feeds].map(([k, f]) => [k, f.clients.size]));
  }

  /** Streams the series' live bars and ticks to `res` until the page closes it. */
  async attach(res: ServerResponse, series: SeriesKey): Promise<void> {
    const key = `${series.broker}:${series.instrumentId}:${series.timeframe}`;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    let feed = this.feeds.get(key);
    if (feed === undefined) {
      const created: Feed = {
        key,
        clients: new Set(),
        leaseId: `dashboard-${randomUUID()}`,
        subs: [],
        opened: Promise.resolve(),
      };
      created.opened = this.openFeed(created, series);
      this.feeds.set(key, created);
      feed = created;
    }
    feed.clients.add(res);
    const joined = feed;
    res.on('close', () => {
      joined.clients.delete(res);
      if (joined.clients.size === 0) void this.closeFeed(joined);
    });
    try {
      await joined.opened;
      res.write(frame('ready', { series }));
    } catch (err) {
      res.write(frame('problem', { message: (err as Error).message }));
      res.end();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.keepalive);
    const feeds = [...this.feeds.values()];
    for (const f of feeds) for (const res of f.clients) res.end();
    await Promise.all(feeds.map((f) => this.closeFeed(f)));
  }

  private send(feed: Feed, event: string, data: unknown): void {
    const text = frame(event, data);
    for (const res of feed.clients) res.write(text);
  }

  private async openFeed(feed: Feed, s: SeriesKey): Promise<void> {
    const { bus } = this.deps;
    const inst = { broker: s.broker, instrument: s.instrumentId };
    // Subscribed before the lease: a bar that closes right after the grant is not missed.
    feed.subs.push(
      bus.subscribe<Bar>(Subjects.mdBar.build({ ...inst, timeframe: s.timeframe }), (m) =>
        this.send(feed, 'bar', toBarView(m.data)),
      ),
      bus.subscribe<Tick>(Subjects.mdTick.build(inst), (m) => {
        if (m.data.last !== undefined) this.send(feed, 'tick', { t: m.data.tsEventMs, last: m.data.last });
      }),
    );
    const lease = async (): Promise<void> => {
      await this.md.subscribe({
        v: 1,
        leaseId: feed.leaseId,
        broker: s.broker,
        instrument: { id: s.instrumentId },
        ttlMs: LEASE_TTL_MS,
        streams: ['ticks'],
        timeframes: [s.timeframe],
      });
    };
    try {
      await lease();
    } catch (err) {
      this.deps.logger.warn({ err, series: feed.key }, 'no live bars for a chart');
      this.feeds.delete(feed.key);
      for (const sub of feed.subs) sub.unsubscribe();
      throw err;
    }
    if (this.feeds.get(feed.key) !== feed) return; // the last page left while the lease was being granted
    feed.renew = setInterval(() => {
      lease().catch((err: unknown) => {
        // The line may be back at the next renewal (market-data restarted): say so meanwhile.
        this.deps.logger.warn({ err, series: feed.key }, 'chart lease renewal failed');
        this.send(feed, 'problem', { message: (err as Error).message });
      });
    }, LEASE_TTL_MS / 2);
    feed.renew.unref();
  }

  private async closeFeed(feed: Feed): Promise<void> {
    if (this.feeds.get(feed.key) !== feed) return;
    this.feeds.delete(feed.key);
    clearInterval(feed.renew);
    for (const sub of feed.subs) sub.unsubscribe();
    try {
      await feed.opened;
    } catch {
      return; // never granted: nothing to release
    }
    try {
      await this.md.unsubscribe({ v: 1, leaseId: feed.leaseId });
    } catch (err) {
      // An expired lease is released already; any other failure: it expires by itself within its lifetime.
      if (registryCodeOf(err) !== 'LEASE_NOT_FOUND')
        this.deps.logger.warn({ err, series: feed.key }, 'chart lease release failed');
    }
  }
}
