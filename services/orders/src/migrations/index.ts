import type { Migration } from '@trading-system/storage';
import * as init from './0001-init.js';
import * as externalOrders from './0002-external-orders.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-init': init,
  '0002-external-orders': externalOrders,
};
