/**
 * Hot-path throughput: `npx tsx services/market-data/bench/ticks.ts [ticks]`.
 * 1. Line.onTick alone (quote cache + trade extraction + 3 bar aggregators), the per-tick work market-data adds;
 * 2. the same through the bus (publish → validate → handler): in-process, or NATS when NATS_URL is set.
 */
import { type Bus, createMemoryBus, createNatsBus } from '@trading-system/bus';
import { type Bar, catalog, Subjects, type Tick } from '@trading-system/contracts';
import { Line } from '../src/line.js';

const N = Number(process.argv[2] ?? 1_000_000);
const T0 = Date.parse('2024-03-12T14:00:00Z');
const instrument = {
  instrumentId: '265598',
  secType: 'STK' as const,
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  currency: 'USD',
  minTick: '0.01',
  timeZone: 'America/New_York',
};
const prices = Array.from({ length: 64 }, (_, i) => (187 + (i % 17) * 0.01).toFixed(2));
const ticks: Tick[] = Array.from({ length: 100_000 }, (_, i) => ({
  v: 1,
  broker: 'sim',
  instrumentId: '265598',
  bid: prices[i % 64] as string,
  ask: prices[(i + 1) % 64] as string,
  last: prices[(i * 7) % 64] as string,
  lastSize: '100',
  volume: String(1_000_000 + i * 100),
  tsEventMs: T0 + i, // 1000 ticks per second of event time
  tsInitMs: T0 + i,
  delayed: false,
}));

function line(onBar: (b: Bar) => void): Line {
  const l = new Line(
    'sim',
    instrument,
    { staleAfterMs: 15_000, healthEveryMs: 10_000, barGraceMs: 1_000 },
    { bar: onBar, health: () => undefined },
    Date.now,
  );
  for (const tf of ['1s', '1m', '7m']) l.addTimeframe(tf, false);
  return l;
}

let bars = 0;
const l = line(() => bars++);
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const t = ticks[i % ticks.length] as Tick;
  l.onTick(i < ticks.length ? t : { ...t, tsEventMs: t.tsEventMs + Math.floor(i / ticks.length) * 100_000 });
}
const dt = performance.now() - t0;
console.log(
  `Line.onTick: ${N} ticks in ${dt.toFixed(0)} ms = ${Math.round(N / (dt / 1000)).toLocaleString()} ticks/s, ${bars} bars`,
);

const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined };
const natsUrl = process.env.NATS_URL;
const [pub, sub]: Bus[] = natsUrl
  ? [
      await createNatsBus({ catalog, log: quiet, connection: { servers: natsUrl, name: 'md-bench-pub' } }),
      await createNatsBus({ catalog, log: quiet, connection: { servers: natsUrl, name: 'md-bench-sub' } }),
    ]
  : (() => {
      const b = createMemoryBus({ catalog, log: quiet });
      return [b, b];
    })();
const l2 = line(() => undefined);
const M = Math.min(N, 200_000);
const broker = `bench${process.pid}`;
const subject = Subjects.mdTick.build({ broker, instrument: 265598 });
let seen = 0;
const done = new Promise<void>((resolve) =>
  sub.subscribe<Tick>(subject, (m) => {
    l2.onTick(m.data);
    if (++seen === M) resolve();
  }),
);
if (natsUrl) await new Promise((r) => setTimeout(r, 200)); // let the SUB reach the server
const encoded = ticks.map((t) => new TextEncoder().encode(JSON.stringify({ ...t, broker })));
const t1 = performance.now();
for (let i = 0; i < M; i++) {
  pub.publishRaw(subject, encoded[i % encoded.length] as Uint8Array);
  if (natsUrl && i % 5_000 === 0) await new Promise((r) => setImmediate(r)); // let the socket drain
}
await done;
const dt2 = performance.now() - t1;
console.log(
  `through the ${natsUrl ? `NATS bus (${natsUrl})` : 'in-process bus'} (decode + zod validation + onTick): ${M} ticks in ${dt2.toFixed(0)} ms = ${Math.round(M / (dt2 / 1000)).toLocaleString()} ticks/s`,
);
await pub.drain();
if (sub !== pub) await sub.drain();
