/**
 * gateway-alpaca + alpaca-sim through the broker conformance suite of libs/testkit (wiring: helpers.ts). What the
 * gateway takes is what it announces in its status; the suite reads it there. Here only what proves it.
 */
import { brokerConformanceSuite, type ConformanceFactory } from '@trading-system/testkit/conformance';
import { startHarness } from './helpers.js';

const factory: ConformanceFactory = {
  name: 'gateway-alpaca on alpaca-sim',
  setup: {
    brokerType: 'alpaca',
    instruments: { STK: { secType: 'STK', symbol: 'AAPL' }, CRYPTO: { secType: 'CRYPTO', symbol: 'BTC/USD' } },
  },
  start: startHarness,
};

brokerConformanceSuite(factory, { timeoutMs: 30_000 });
