/**
 * The exchange core (libs/exchange) keys instruments by integer; the contract names them by opaque InstrumentId
 * strings. The paper broker passes its source broker's ids through unchanged (an instrument it trades is the one
 * its source qualified) and keys them in its core by a pure function of the id, so a restart, the stored core
 * snapshot and every instance agree without a table:
 * - an id that is a positive 31-bit decimal (gateway-ib's and the sim's conId strings) is that integer, which keeps
 *   every core snapshot written when instruments were conIds valid;
 * - any other id (an Alpaca asset UUID) is a 48-bit hash of it placed above 2^31, so it never meets a decimal id's
 *   key; two such ids collide with odds of about 2^-48 per pair.
 * Back from a key to the id: a decimal key is its own id; a hashed one is remembered when it is made (a memo of
 * the hash's inverse). Every key the core holds was made here from an instrument the venue stored (at start from
 * its books, or when the source qualified it), so a key's id is always known.
 */
import { createHash } from 'node:crypto';

const INT31 = 2 ** 31;
const DECIMAL = /^[1-9][0-9]{0,9}$/;

const hashed = new Map<number, string>();

export function exchangeKeyOf(id: string): number {
  if (DECIMAL.test(id)) {
    const n = Number(id);
    if (n < INT31) return n;
  }
  const key = INT31 + createHash('sha256').update(id).digest().readUIntBE(0, 6);
  hashed.set(key, id);
  return key;
}

/** The instrument id a core key was made from (see above); throws for a key this process never made. */
export function instrumentIdOfKey(key: number): string {
  if (key < INT31) return String(key);
  const id = hashed.get(key);
  if (id === undefined) throw new Error(`exchange key ${key} was made from no instrument id this process knows`);
  return id;
}
