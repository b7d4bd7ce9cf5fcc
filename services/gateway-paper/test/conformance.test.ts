/**
 * gateway-paper through the broker conformance suite of libs/testkit, shadowing gateway-ib on ib-sim (its quotes,
 * instruments and history). The paper broker runs inside its gateway, so it declares `brokerLink: 'in-process'`:
 * the link-loss scenarios cannot apply, and the suite restarts the gateway on its database instead.
 */
import { currentOrNextSession } from '@trading-system/contracts';
import { brokerConformanceSuite, type ConformanceFactory } from '@trading-system/testkit/conformance';
import { AAPL, ACCOUNT, EURUSD, startHarness } from './helpers.js';

const factory: ConformanceFactory = {
  name: 'gateway-paper shadowing gateway-ib on ib-sim',
  // What the paper broker takes is what it announces in its status (every order type and TIF of the exchange core);
  // the suite reads it there. Here only what proves it.
  setup: {
    instruments: {
      STK: { secType: 'STK', symbol: 'AAPL' },
      CASH: { secType: 'CASH', symbol: 'EUR', currency: 'USD' },
      FUT: { secType: 'FUT', symbol: 'ES' },
      OPT: { secType: 'OPT', symbol: 'AAPL' },
    },
    // The source shows at most 30 lots of 100 shares at the touch; the core fills at most what is shown.
    partialFillQuantity: '3100',
    brokerLink: 'in-process',
    brokerType: 'paper',
  },
  async start() {
    const h = await startHarness();
    return {
      broker: h.broker,
      gatewayType: h.gatewayType,
      bus: h.bus,
      account: ACCOUNT,
      orderInstrument: { id: AAPL },
      orderQuantity: '100',
      quoteInstrument: { id: EURUSD },
      // The paper broker's time is its quote source's: gateway-ib's on ib-sim, in March 2024.
      brokerNow: () => h.clock.now(),
      async restartGateway() {
        await h.stopPaper();
        await h.startPaper();
      },
      async endSession() {
        // DAY orders end with the calendar's session (extended hours) of the paper market's day.
        const now = Date.now() + h.offsetMs;
        const close = currentOrNextSession('NYSE', now, 'extended').extended.closeMs;
        h.offsetMs = close + 1_000 - Date.now();
      },
      stop: () => h.stop(),
    };
  },
};

brokerConformanceSuite(factory, { timeoutMs: 30_000 });
