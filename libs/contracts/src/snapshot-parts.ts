/**
 * A reconciliation snapshot split into parts small enough for one bus message each (`part` of `parts`): a paper
 * broker keeps a week of completed orders and executions, an Alpaca account a day of closed orders read page by page,
 * which in one message could exceed the payload limit and leave reconcile broken.
 * Items keep their order; a part holds at most `maxItems` items and about `maxBytes` of JSON (an item larger than
 * that goes alone).
 */

import type { Position } from './account.js';
import type { BrokerExecutionData, BrokerOrder } from './broker-events.js';

export interface SnapshotLists {
  readonly openOrders: readonly BrokerOrder[];
  readonly completedOrders: readonly BrokerOrder[];
  readonly executions: readonly BrokerExecutionData[];
  readonly positions: readonly Position[];
}

export interface SnapshotPart {
  openOrders: BrokerOrder[];
  completedOrders: BrokerOrder[];
  executions: BrokerExecutionData[];
  positions: Position[];
}

const empty = (): SnapshotPart => ({ openOrders: [], completedOrders: [], executions: [], positions: [] });

export function snapshotParts(lists: SnapshotLists, maxBytes = 256 * 1024, maxItems = 1_000): SnapshotPart[] {
  const parts: SnapshotPart[] = [];
  let part = empty();
  let items = 0;
  let bytes = 0;
  const add = <K extends keyof SnapshotPart>(key: K, item: SnapshotPart[K][number]): void => {
    const size = JSON.stringify(item).length;
    if (items > 0 && (items >= maxItems || bytes + size > maxBytes)) {
      parts.push(part);
      part = empty();
      items = 0;
      bytes = 0;
    }
    (part[key] as SnapshotPart[K][number][]).push(item);
    items += 1;
    bytes += size;
  };
  for (const o of lists.openOrders) add('openOrders', o);
  for (const o of lists.completedOrders) add('completedOrders', o);
  for (const x of lists.executions) add('executions', x);
  for (const p of lists.positions) add('positions', p);
  parts.push(part);
  return parts;
}
