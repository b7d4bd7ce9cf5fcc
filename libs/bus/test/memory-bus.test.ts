import { createTestMemoryBus } from '@trading-system/testkit';
import { runBusSuite } from './behaviour.js';
import { runJetStreamSuite } from './behaviour-jetstream.js';
import { testCatalog } from './support.js';

runBusSuite('memory bus', (options) => createTestMemoryBus(testCatalog, options));
runJetStreamSuite('memory bus', (options) => createTestMemoryBus(testCatalog, options));
