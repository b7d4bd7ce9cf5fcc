/**
 * Reading a core snapshot written before the exchange core took InstrumentId strings (snapshot version 1). That
 * version keyed instruments by integers made from the ids by a pure function: a positive 31-bit decimal id
 * (gateway-ib's and the sim's conId strings) was that integer; any other id (an Alpaca asset UUID) was a 48-bit
 * SHA-256 prefix of it placed above 2^31. The core reads a decimal key back as its decimal string itself; a hashed
 * key is found again among the instruments this broker stored (it stored every instrument before the core ever
 * held a key of it). Nothing writes such keys any more.
 */
import { createHash } from 'node:crypto';
import type { Instrument } from '@trading-system/contracts';
import { InvalidSnapshotError, type LegacyInstrumentId } from '@trading-system/exchange';

const INT31 = 2 ** 31;

const hashedKeyOf = (id: string): number => INT31 + createHash('sha256').update(id).digest().readUIntBE(0, 6);

export function legacyInstrumentIds(known: readonly Instrument[]): LegacyInstrumentId {
  let hashed: Map<number, string> | undefined;
  return (key) => {
    if (key < INT31) return String(key);
    hashed ??= new Map(known.map((i) => [hashedKeyOf(i.id), i.id]));
    const id = hashed.get(key);
    if (id === undefined)
      throw new InvalidSnapshotError(`stored core state names instrument key ${key}, made from no stored instrument`);
    return id;
  };
}
