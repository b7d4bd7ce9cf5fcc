import { z } from 'zod';
import { LegacyConId } from './common.js';

/**
 * `schema` (an object naming its instrument by `key`) that also reads the record as the version before instrument
 * ids wrote it: an integer `conId` instead of `key`, taken as its decimal string (the id gateway-ib assigns to that
 * contract, and the key gateway-alpaca still resolves for its old hashed stand-ins). Stored history is append-only
 * (the OMS's order_events) or immutable (the ORDERS and BROKER_EVENTS streams), so readers upgrade it as they read
 * instead of rewriting it. A record carrying `key` is taken as it is; nothing writes `conId` any more.
 */
export function readingLegacyConId<T extends z.ZodType>(key: 'id' | 'instrumentId', schema: T) {
  return z.preprocess((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !('conId' in v)) return v;
    const { conId, ...rest } = v as Record<string, unknown>;
    if (rest[key] !== undefined) return v;
    return LegacyConId.safeParse(conId).success ? { ...rest, [key]: String(conId) } : v;
  }, schema);
}
