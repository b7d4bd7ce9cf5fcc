import { describe, expect, test } from 'vitest';
import { BrokerOrderState, brokerOrderStateOf, inCurrentWords, OrderEvent } from '../src/index.js';

const base = {
  v: 1,
  eventId: 'e-1',
  clientOrderId: 'c-1',
  seq: 2,
  broker: 'ib',
  account: 'DU1',
  tsEventMs: 1,
  tsInitMs: 1,
  kind: 'statusChanged',
  from: 'pendingSubmit',
  to: 'submitted',
} as const;

describe('recorded broker statuses', () => {
  test('current words read as themselves; the frozen legacy words as their domain word; notes as none', () => {
    for (const s of BrokerOrderState.options) expect(brokerOrderStateOf(s)).toBe(s);
    const legacy = ['ApiPending', 'PendingSubmit', 'PreSubmitted', 'Submitted', 'PendingCancel'];
    expect(legacy.map(brokerOrderStateOf)).toEqual([
      'pendingSubmit',
      'pendingSubmit',
      'held',
      'working',
      'pendingCancel',
    ]);
    const final = ['ApiCancelled', 'Cancelled', 'Filled', 'Inactive'];
    expect(final.map(brokerOrderStateOf)).toEqual(['cancelled', 'cancelled', 'filled', 'rejected']);
    for (const other of ['cancel refused: TIMEOUT', 'constructor', 'Working'])
      expect(brokerOrderStateOf(other)).toBe(undefined);
  });

  test('an event recorded in the old words parses and is handed out in the current ones', () => {
    const old = OrderEvent.parse({ ...base, brokerStatus: 'PreSubmitted', brokerOrderId: 7 });
    expect(inCurrentWords(old)).toEqual({ ...base, brokerStatus: 'held', brokerOrderId: '7' });
    // Read without parsing (a stored payload): the integer ids become their strings all the same.
    const raw = { ...base, brokerStatus: 'PreSubmitted', brokerOrderId: 7, permId: 1007 } as unknown as OrderEvent;
    expect(inCurrentWords(raw)).toEqual({ ...base, brokerStatus: 'held', brokerOrderId: '7', permId: '1007' });
    const note = OrderEvent.parse({ ...base, brokerStatus: 'cancel refused: TIMEOUT' });
    expect(inCurrentWords(note)).toEqual({ ...base, reason: 'cancel refused: TIMEOUT' });
    const current = OrderEvent.parse({ ...base, brokerStatus: 'working' });
    expect(inCurrentWords(current)).toBe(current);
    const other = OrderEvent.parse({ ...base, kind: 'pendingCancel' });
    expect(inCurrentWords(other)).toBe(other);
  });
});
