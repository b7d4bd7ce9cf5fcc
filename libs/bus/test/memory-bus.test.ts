import { createTestMemoryBus } from '@trading-system/testkit';
import { runBusSuite } from './behaviour.js';
import { runJetStreamSuite } from './behaviour-jetstream.js';
import { runObserverSuite } from './behaviour-observer.js';
import { runRequestSuite } from './behaviour-request.js';
import { testCatalog } from './support.js';

runBusSuite('memory bus', (options) => createTestMemoryBus(testCatalog, options));
runRequestSuite('memory bus', (options) => createTestMemoryBus(testCatalog, options));
runJetStreamSuite('memory bus', (options) => createTestMemoryBus(testCatalog, options));
runObserverSuite('memory bus', (options) => createTestMemoryBus(testCatalog, options));
