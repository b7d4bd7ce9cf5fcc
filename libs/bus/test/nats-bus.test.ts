import { createTestNatsBus } from '@trading-system/testkit';
import { runBusSuite } from './behaviour.js';
import { runJetStreamSuite } from './behaviour-jetstream.js';
import { runObserverSuite } from './behaviour-observer.js';
import { runRequestSuite } from './behaviour-request.js';
import { testCatalog } from './support.js';

runBusSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runRequestSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runJetStreamSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runObserverSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
