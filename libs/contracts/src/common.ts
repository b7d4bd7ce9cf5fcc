import { z } from 'zod';

/**
 * Building blocks shared by every message. Every top-level message carries `v: 1`. Within a version, fields are
 * only ever ADDED as optional (receivers strip unknown keys, so old readers keep working); any other change is a
 * new version.
 */
export const V1 = z.literal(1).meta({ description: 'Message schema version' });

/** Milliseconds since the Unix epoch (UTC), integer. */
export const EpochMs = z.int().nonnegative().meta({ description: 'Milliseconds since the Unix epoch (UTC)' });
/** A duration in milliseconds, integer ≥ 0. */
export const DurationMs = z.int().nonnegative().meta({ description: 'Duration in milliseconds' });

/** Characters allowed in identifiers that may become subject tokens: dot-free, wildcard-free, no whitespace. */
export const TOKEN_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const tokenId = (description: string) => z.string().regex(new RegExp(TOKEN_ID_PATTERN)).meta({ description });

/** Name of a broker connection (`ib_paper`, `ib_live`, `sim`); a subject token in `broker.<broker>.*`. */
export const BrokerName = tokenId('Broker connection name, e.g. "ib_paper" ([A-Za-z0-9_-], ≤ 64)');
export type BrokerName = z.infer<typeof BrokerName>;
/** Gateway type hosting broker connections (`ib`); a subject token in `gateway.<type>.cmd.*`. */
export const GatewayType = tokenId('Gateway type, e.g. "ib"');
export type GatewayType = z.infer<typeof GatewayType>;
/** Broker account id (IB: `DU1234567`); a subject token in `orders.evt.<broker>.<account>.*`. */
export const AccountId = tokenId('Broker account id, e.g. "DU1234567"');
export type AccountId = z.infer<typeof AccountId>;
/**
 * Our id of an order, assigned before anything is sent (by the client for idempotent retries, else by the OMS).
 * Travels as IB `orderRef`, as the JetStream `Nats-Msg-Id` prefix and as a unique key in the ledger.
 */
export const ClientOrderId = tokenId('Client order id, unique per order, e.g. "o-01J9Z3K8W2"');
export type ClientOrderId = z.infer<typeof ClientOrderId>;
/** Unique id of one event; used as the JetStream `Nats-Msg-Id` so a republished event is dropped as duplicate. */
export const EventId = tokenId('Unique event id, used as the JetStream Nats-Msg-Id');
export type EventId = z.infer<typeof EventId>;
/**
 * Caller-chosen id of a long request; a subject token of its stream subject (`hist.stream.<requestId>`), so it
 * must be globally unique: use a UUID or ULID (dashes allowed), never a counter.
 */
export const RequestId = tokenId('Caller-chosen request id, globally unique (UUID/ULID)');
export type RequestId = z.infer<typeof RequestId>;
/**
 * Market-data lease id (md.subscribe), chosen by the caller so a retried subscribe renews the same lease;
 * globally unique (UUID/ULID), since two callers with one id would share a lease.
 */
export const LeaseId = tokenId('Market-data lease id, globally unique (UUID/ULID)');
export type LeaseId = z.infer<typeof LeaseId>;
/** Strategy tag carried on orders and fills for attribution (free text within the token alphabet). */
export const StrategyTag = tokenId('Strategy tag for attribution');

/** Largest value of a 32-bit signed integer: TWS keeps conIds and client ids as Java ints. */
export const MAX_INT32 = 2_147_483_647;

/**
 * Our id of an instrument: an opaque string the gateway that qualified it chose, in the token alphabet so it is
 * the instrument's subject token (`md.tick.<broker>.<instrumentId>`), a log field and a ledger key without
 * escaping. Stable forever: a gateway never renames an instrument, since ledgers, bar caches and subjects keep it.
 * Each gateway keeps its venue's native key behind it (gateway-ib: the decimal string of IB's conId, "265598";
 * gateway-alpaca: the Alpaca asset UUID; gateway-paper: its source broker's ids) and only that gateway reads it
 * back; everyone else compares ids for equality only, never orders or parses them.
 */
export const InstrumentId = tokenId('Instrument id, opaque, e.g. "265598" (IB) or a UUID ([A-Za-z0-9_-], ≤ 64)');
export type InstrumentId = z.infer<typeof InstrumentId>;

/**
 * An instrument key as the version before the broker-neutral instrument id wrote it: IB's integer conId (or
 * gateway-alpaca's hashed stand-in). Read only, for stored history that cannot be rewritten (append-only
 * order_events, immutable streams): readers take it as its decimal string, which is the id gateway-ib assigns
 * to the same contract. Nothing writes it any more.
 */
export const LegacyConId = z
  .int()
  .positive()
  .max(MAX_INT32)
  .meta({ description: 'Instrument key as written before instrument ids (IB conId integer); read only' });

/**
 * A broker's id of one of its orders: an opaque string the broker (its gateway) chose, in the token alphabet so it
 * may become a subject token, a log field or a ledger key without escaping. Each gateway turns its venue's ids into
 * this in its parsing layer (IB's integer orderId and permId as decimal strings, Alpaca's order UUID as it is), and
 * only that gateway reads them back; everyone else compares them for equality only, never orders or parses them.
 */
export const BrokerOrderId = tokenId('Broker order id, opaque, e.g. "1042" (IB) or a UUID ([A-Za-z0-9_-], ≤ 64)');
export type BrokerOrderId = z.infer<typeof BrokerOrderId>;

/**
 * A broker order id in a message that may have been recorded before the broker-neutral contract: a BrokerOrderId
 * string, or IB's integer as the version before wrote it (0 meant no id: read as absent). Stored history
 * cannot be rewritten (the OMS's order_events are append-only, the ORDERS and BROKER_EVENTS streams are immutable),
 * so readers take an old integer as its decimal string. Nothing writes an integer any more. Use it `.optional()`.
 */
export const RecordedBrokerOrderId = z.union([
  BrokerOrderId,
  z
    .int()
    .meta({ description: 'Broker order id as written before the broker-neutral contract (IB integer); read only' })
    .transform((n) => (n === 0 ? undefined : String(n))),
]);

/** ISO 4217 currency (`USD`), or IB's pseudo-currencies (`BASE`) in account values. */
export const Currency = z
  .string()
  .regex(/^[A-Z]{3,4}$/)
  .meta({ description: 'Currency code, e.g. "USD" (IB also uses "BASE")' });

/** An inclusive-start, exclusive-end time range in epoch ms. */
export const TimeRange = z.object({ startMs: EpochMs, endMs: EpochMs });
export type TimeRange = z.infer<typeof TimeRange>;

/** Cursor-based paging: the reply's `nextCursor` (opaque string) is passed back to get the next page. */
export const PageRequest = {
  /** Maximum rows in one reply (keeps replies below the NATS payload limit). */
  limit: z.int().min(1).max(1000).default(200),
  /** Opaque cursor from a previous reply's `nextCursor`. */
  cursor: z.string().max(256).optional(),
};
