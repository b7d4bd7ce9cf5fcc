/**
 * Connection settings per broker type, as addBroker carries them: a union discriminated by `type`. Each type's
 * schema lives in its own file here, owned by the gateway that hosts the type and published with the others; a new
 * broker type adds its file and one member to each union below (connection, details), and nothing else in the
 * contract changes.
 */
import { z } from 'zod';
import { AlpacaBrokerConnection, AlpacaBrokerDetails } from './alpaca.js';
import { IbBrokerConnection, IbBrokerDetails } from './ib.js';
import { PaperBrokerConnection, PaperBrokerDetails } from './paper.js';

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

/**
 * What a connection of each type says about itself beyond the neutral status (BrokerStatus.details,
 * BrokerInfo.details): a union discriminated by `type`, the broker type (not the gateway's token, which an operator
 * may set to anything). For people and diagnostics; nothing branches on it but the type's own gateway and tools.
 */
export const BrokerDetails = z.discriminatedUnion('type', [IbBrokerDetails, PaperBrokerDetails, AlpacaBrokerDetails]);
export type BrokerDetails = z.infer<typeof BrokerDetails>;
