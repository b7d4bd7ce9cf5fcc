/**
 * gateway-ib + ib-sim through the broker conformance suite of libs/testkit: ib-sim over a real socket (behind a TCP
 * proxy, so the link can stay cut while the sim keeps filling), a private nats-server (the suite's durable
 * consumer on BROKER_EVENTS goes away with it).
 */
import { createNatsBus } from '@trading-system/bus';
import { catalog, IbConnectionConfig } from '@trading-system/contracts';
import { type ManualClock, manualClock, type RunningSim, startSim } from '@trading-system/ib-sim';
import {
  type PrivateNats,
  silentBusLogger,
  startPrivateNats,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
} from '@trading-system/testkit';
import { brokerConformanceSuite, type ConformanceFactory } from '@trading-system/testkit/conformance';
import { start } from '../src/app.js';
import { testLogger } from './helpers.js';

/** A Wednesday, 11:00 New York: US stocks and FX are open in ib-sim (outside a session it fills nothing). */
const SESSION_START = Date.parse('2024-03-13T15:00:00Z');
const AAPL = 265598;
const EURUSD = 12087792;
const ACCOUNT = 'DU1234567';

/**
 * The sim runs on a manual clock that a wall-time driver advances, so it behaves live, and `fillWhileCut` can jump
 * it to the moment the market reaches a resting order.
 */
function runClock(clock: ManualClock): () => void {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    clock.advance(now - last);
    last = now;
  }, 10);
  return () => clearInterval(timer);
}

/** Jumps the sim's clock to the first moment (within 30 sim minutes) its market fills each resting limit order. */
function fillWhileCut(sim: RunningSim, clock: ManualClock, clientOrderIds: readonly string[]): void {
  for (const id of clientOrderIds) {
    // The market may have reached the order in the moments before the cut: then it is filled already.
    if (sim.control.orders().completed.some((x) => x.orderRef === id && x.status === 'Filled')) continue;
    const o = sim.control.orders().open.find((x) => x.orderRef === id);
    if (o === undefined || o.lmtPrice === undefined) throw new Error(`${id} is not a resting limit order at the sim`);
    const limit = o.lmtPrice;
    const reaches = (t: number): boolean => {
      const q = sim.control.quotes.quoteAt(Number(o.instrumentId), t);
      return o.action === 'BUY' ? q.ask <= limit : q.bid >= limit;
    };
    let t = clock.now();
    const until = t + 30 * 60_000;
    while (t < until && !reaches(t)) t += 250;
    if (t >= until) throw new Error(`the sim's market does not reach ${limit} for ${id} within 30 minutes`);
    clock.set(t);
    sim.control.step();
    if (!sim.control.orders().completed.some((x) => x.orderRef === id && x.status === 'Filled'))
      throw new Error(`${id} did not fill at ${new Date(t).toISOString()}`);
  }
}

const factory: ConformanceFactory = {
  name: 'gateway-ib on ib-sim',
  // What gateway-ib takes is what it announces in its status; the suite reads it there. Here only what proves it.
  setup: {
    brokerType: 'ib',
    instruments: {
      STK: { secType: 'STK', symbol: 'AAPL' },
      CASH: { secType: 'CASH', symbol: 'EUR', currency: 'USD' },
      FUT: { secType: 'FUT', symbol: 'ES' },
      OPT: { secType: 'OPT', symbol: 'AAPL' },
    },
    // ib-sim shows at most 30 lots of 100 shares at the touch.
    partialFillQuantity: '3100',
  },
  async start() {
    const clock = manualClock(SESSION_START);
    const stopClock = runClock(clock);
    const sim = await startSim({ port: 0, clock });
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: sim.port });
    const nats: PrivateNats = await startPrivateNats();
    const bus = await createNatsBus({
      catalog,
      log: silentBusLogger,
      connection: { servers: nats.url, name: 'gateway-ib-conformance' },
    });
    const broker = uniqueName('cf');
    const gatewayType = uniqueName('g');
    const gateway = await start({
      bus,
      logger: testLogger,
      gatewayType,
      brokers: [
        {
          name: broker,
          connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: proxy.port, clientId: 7 }),
        },
      ],
      brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 300, statusEveryMs: 1_000 } },
    });
    return {
      broker,
      gatewayType,
      bus,
      account: ACCOUNT,
      orderInstrument: { id: String(AAPL) },
      orderQuantity: '100',
      quoteInstrument: { id: String(EURUSD) },
      brokerNow: () => clock.now(),
      async cutLink() {
        proxy.cut();
      },
      async restoreLink() {
        proxy.restore();
      },
      async fillWhileCut(ids) {
        fillWhileCut(sim, clock, ids);
      },
      async endSession() {
        const session = sim.control.catalog.get(AAPL)?.schedule.sessionAt(clock.now(), false);
        if (session == null) throw new Error('AAPL is not in a regular session at the sim');
        clock.set(session.endMs + 1_000);
        sim.control.step();
      },
      async stop() {
        await gateway.stop();
        await bus.drain();
        await proxy.stop();
        await sim.stop();
        await nats.stop();
        stopClock();
      },
    };
  },
};

brokerConformanceSuite(factory);
