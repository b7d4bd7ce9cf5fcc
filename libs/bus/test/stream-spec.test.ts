import { BROKER_EVENTS_STREAM, BROKER_STATUS_STREAM, ORDERS_STREAM } from '@trading-system/contracts';
import { expect, test } from 'vitest';
import { toStreamConfig } from '../src/index.js';

test("a stream spec's settings, its no-limit values left out as StreamConfig says them", () => {
  expect(toStreamConfig(BROKER_STATUS_STREAM)).toEqual({
    name: 'BROKER_STATUS',
    subjects: ['broker.*.status'],
    storage: 'file',
    duplicateWindowMs: BROKER_STATUS_STREAM.duplicateWindowMs,
    maxMsgsPerSubject: 1,
  });
  expect(toStreamConfig(BROKER_EVENTS_STREAM).maxAgeMs).toBe(BROKER_EVENTS_STREAM.maxAgeMs);
  expect(toStreamConfig(BROKER_EVENTS_STREAM)).not.toHaveProperty('maxMsgsPerSubject');
  expect(toStreamConfig(ORDERS_STREAM)).not.toHaveProperty('maxAgeMs'); // kept forever
});
