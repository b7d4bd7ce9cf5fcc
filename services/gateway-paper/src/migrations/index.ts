import type { Migration } from '@trading-system/storage';
import * as init from './0001-init.js';

export const migrations: Readonly<Record<string, Migration>> = { '0001-init': init };
