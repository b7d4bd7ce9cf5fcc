/**
 * Issue 16's last "done when": the gateway the OMS's order-flow tests trade with passes the broker conformance
 * suite. This runs the suite of libs/testkit on `startPaperBroker`, the very start path of the flow harness
 * (`startFlowHarness` in harness.ts): gateway-paper in-process shadowing gateway-ib on ib-sim, on a test bus and a
 * fresh schema of the test Postgres. The fault-injection gateway (fault-gateway.ts) is no broker and is not run here.
 */
import { catalog } from '@trading-system/contracts';
import { createTestNatsBus, openPgTestDatabase } from '@trading-system/testkit';
import { brokerConformanceSuite, type ConformanceFactory } from '@trading-system/testkit/conformance';
import { ACCOUNT } from './harness.js';
import { BEYOND_THE_TOUCH, PAPER_AAPL, PAPER_EURUSD, startPaperBroker } from './paper-broker.js';

const factory: ConformanceFactory = {
  name: "the OMS flow harness's gateway-paper",
  setup: {
    instruments: {
      STK: { secType: 'STK', symbol: 'AAPL' },
      CASH: { secType: 'CASH', symbol: 'EUR', currency: 'USD' },
      FUT: { secType: 'FUT', symbol: 'ES' },
      OPT: { secType: 'OPT', symbol: 'AAPL' },
    },
    partialFillQuantity: BEYOND_THE_TOUCH,
    brokerLink: 'in-process',
    brokerType: 'paper',
  },
  async start() {
    const testBus = await createTestNatsBus(catalog);
    const database = await openPgTestDatabase<unknown>();
    const paper = await startPaperBroker({
      bus: testBus.bus,
      db: database.db,
      schema: database.newSchema('paper'),
      account: ACCOUNT,
    });
    return {
      broker: paper.broker,
      gatewayType: paper.gatewayType,
      bus: testBus.bus,
      account: ACCOUNT,
      orderInstrument: { id: PAPER_AAPL },
      orderQuantity: '100',
      quoteInstrument: { id: PAPER_EURUSD },
      brokerNow: () => paper.clock.now(),
      restartGateway: () => paper.restartGateway(),
      endSession: () => paper.endSession(),
      async stop() {
        await paper.stop();
        await testBus.close();
        await database.close();
      },
    };
  },
};

brokerConformanceSuite(factory, { timeoutMs: 30_000 });
