import type { Migration } from '@trading-system/storage';
import * as init from './0001-init.js';
import * as instrumentIds from './0002-instrument-ids.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-init': init,
  '0002-instrument-ids': instrumentIds,
};
