import type { Migration } from '@trading-system/storage';
import * as init from './0001-init.js';
import * as barJson from './0002-bar-json.js';
import * as barPacked from './0003-bar-packed.js';
import * as tradesByBroker from './0004-trades-by-broker.js';
import * as eventsByBroker from './0005-events-by-broker.js';
import * as barBlocks from './0006-bar-blocks.js';
import * as stringBrokerOrderIds from './0007-string-broker-order-ids.js';
import * as instrumentIds from './0008-instrument-ids.js';
import * as barBlocksDelta from './0009-bar-blocks-delta.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-init': init,
  '0002-bar-json': barJson,
  '0003-bar-packed': barPacked,
  '0004-trades-by-broker': tradesByBroker,
  '0005-events-by-broker': eventsByBroker,
  '0006-bar-blocks': barBlocks,
  '0007-string-broker-order-ids': stringBrokerOrderIds,
  '0008-instrument-ids': instrumentIds,
  '0009-bar-blocks-delta': barBlocksDelta,
};
