/**
 * The broker conformance suite, a separate entry point (`@trading-system/testkit/conformance`): it imports vitest,
 * and the main entry is also loaded outside vitest (bench/).
 */
export { BrokerClient, type EventOf, type RecordedEvent } from './broker-client.js';
export { BROKER_TIME_TOLERANCE_MS, brokerConformanceSuite } from './suite.js';
export type {
  ConformanceFactory,
  ConformanceSetup,
  ConformanceTarget,
} from './target.js';
