import type { Migration } from '@trading-system/storage';
import * as init from './0001-init.js';
import * as externalOrders from './0002-external-orders.js';
import * as brokerScopedIds from './0003-broker-scoped-ids.js';
import * as brokerAcknowledgement from './0004-broker-acknowledgement.js';
import * as appendOnlyEvents from './0005-append-only-events.js';
import * as lastRejection from './0006-last-rejection.js';
import * as brokerNeutralStatus from './0007-broker-neutral-status.js';
import * as stringBrokerOrderIds from './0008-string-broker-order-ids.js';
import * as instrumentIds from './0009-instrument-ids.js';
import * as orderViews from './0010-order-views.js';
import * as flushBarrier from './0011-flush-barrier.js';
import * as ledgerPositions from './0012-ledger-positions.js';
import * as ordersByInstrument from './0013-orders-by-instrument.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-init': init,
  '0002-external-orders': externalOrders,
  '0003-broker-scoped-ids': brokerScopedIds,
  '0004-broker-acknowledgement': brokerAcknowledgement,
  '0005-append-only-events': appendOnlyEvents,
  '0006-last-rejection': lastRejection,
  '0007-broker-neutral-status': brokerNeutralStatus,
  '0008-string-broker-order-ids': stringBrokerOrderIds,
  '0009-instrument-ids': instrumentIds,
  '0010-order-views': orderViews,
  '0011-flush-barrier': flushBarrier,
  '0012-ledger-positions': ledgerPositions,
  '0013-orders-by-instrument': ordersByInstrument,
};
