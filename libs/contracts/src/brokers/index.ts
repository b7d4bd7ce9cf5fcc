/**
 * Connection settings per broker type, as addBroker carries them: a union discriminated by `type`. Each type's
 * schema lives in its own file here, owned by the gateway that hosts the type and published with the others; a new
 * broker type adds its file and one member below, and nothing else in the contract changes.
 */
import { z } from 'zod';
import { AlpacaBrokerConnection } from './alpaca.js';
import { IbBrokerConnection } from './ib.js';
import { PaperBrokerConnection } from './paper.js';

export * from './alpaca.js';
export * from './ib.js';
export * from './paper.js';

export const BrokerConnection = z.discriminatedUnion('type', [
  IbBrokerConnection,
  PaperBrokerConnection,
  AlpacaBrokerConnection,
]);
export type BrokerConnection = z.infer<typeof BrokerConnection>;
/** What a caller writes (defaults not applied yet). */
export type BrokerConnectionInput = z.input<typeof BrokerConnection>;

/** The broker types the contract knows (the `type` of each BrokerConnection member). */
export type BrokerType = BrokerConnection['type'];
export const BROKER_TYPES: readonly BrokerType[] = BrokerConnection.options.map((o) => o.shape.type.value);

export function isBrokerType(t: string): t is BrokerType {
  return (BROKER_TYPES as readonly string[]).includes(t);
}
