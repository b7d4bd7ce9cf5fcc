import type { StreamSpec } from '@trading-system/contracts';
import type { StreamConfig } from './bus.js';

/**
 * The bus's settings of one of the system's streams (libs/contracts streams.ts). Every service that ensures a
 * stream passes it through here, so two services ensuring the same stream ask for the same settings (ensureStream
 * creates or updates: differing settings would flip the stream between them). The spec's "no limit" values (maxAge
 * 0, -1 messages per subject) are left out, which is how StreamConfig says it.
 */
export function toStreamConfig(s: StreamSpec): StreamConfig {
  return {
    name: s.name,
    subjects: s.subjects,
    storage: s.storage,
    duplicateWindowMs: s.duplicateWindowMs,
    ...(s.maxAgeMs > 0 ? { maxAgeMs: s.maxAgeMs } : {}),
    ...(s.maxMsgsPerSubject > 0 ? { maxMsgsPerSubject: s.maxMsgsPerSubject } : {}),
  };
}
