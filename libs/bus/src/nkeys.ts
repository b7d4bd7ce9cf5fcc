import { nkeys } from '@nats-io/nats-core';

/** A new NATS user NKey: the seed (`SU...`, secret: it signs the login) and its public key (`U...`, for the server). */
export function createUserNkey(): { seed: string; publicKey: string } {
  const pair = nkeys.createUser();
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}

/** The public key (`U...`) of a user seed (`SU...`); throws on anything else. */
export function publicKeyOfSeed(seed: string): string {
  return nkeys.fromSeed(new TextEncoder().encode(seed.trim())).getPublicKey();
}
