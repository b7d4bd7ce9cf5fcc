import { createTestNatsBus } from '@trading-system/testkit';
import { runBusSuite } from './behaviour.js';
import { runJetStreamSuite } from './behaviour-jetstream.js';
import { runRequestSuite } from './behaviour-request.js';
import { testCatalog } from './support.js';

runBusSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runRequestSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runJetStreamSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
