/**
 * JetStream streams of the system. Plain data (no nats.js types) so every language can read them; libs/bus turns
 * them into nats.js StreamConfig (ms → ns). Whoever starts first creates or updates them idempotently.
 *
 * Durability note: a stream config cannot ask for fsync per message; the server's JetStream setting
 * `sync_interval: always` (infra/ NATS config, on servers that support it) keeps acknowledged ORDERS messages
 * across power loss.
 */
export interface StreamSpec {
  readonly name: string;
  readonly description: string;
  readonly subjects: readonly string[];
  readonly storage: 'file' | 'memory';
  readonly retention: 'limits' | 'interest' | 'workqueue';
  /** Window in which a repeated `Nats-Msg-Id` is dropped as duplicate, ms. */
  readonly duplicateWindowMs: number;
  /** Maximum age of a message, ms; 0 = keep forever. */
  readonly maxAgeMs: number;
  /** Messages kept per subject; -1 = unlimited (1 makes a last-value stream). */
  readonly maxMsgsPerSubject: number;
  readonly discard: 'old' | 'new';
  readonly numReplicas: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * ORDERS: every order event (`orders.evt.>`), published by orders from its outbox with `Nats-Msg-Id` =
 * `<broker>:<eventId>`.
 * Kept forever: history rebuilds its read model from it. The duplicate window covers the outbox relay's retry
 * horizon (a relay restarted within it republishes without creating duplicates); beyond it, consumers still
 * dedupe on eventId / (clientOrderId, seq).
 */
export const ORDERS_STREAM: StreamSpec = {
  name: 'ORDERS',
  description: 'Order events of the OMS (orders.evt.<broker>.<account>.<kind>)',
  subjects: ['orders.evt.>'],
  storage: 'file',
  retention: 'limits',
  duplicateWindowMs: 60 * MINUTE_MS,
  maxAgeMs: 0,
  maxMsgsPerSubject: -1,
  discard: 'old',
  numReplicas: 1,
};

/**
 * BROKER_EVENTS: broker facts from the gateways (`broker.*.evt.>`), `Nats-Msg-Id` = `<broker>:<eventId>` (e.g.
 * `sim:exec-<execId>`: broker-side ids are unique per broker only),
 * consumed by orders with a durable consumer. Kept 30 days for diagnosis and replay.
 */
export const BROKER_EVENTS_STREAM: StreamSpec = {
  name: 'BROKER_EVENTS',
  description: 'Broker-side events from gateways (broker.<broker>.evt.<kind>)',
  subjects: ['broker.*.evt.>'],
  storage: 'file',
  retention: 'limits',
  duplicateWindowMs: 10 * MINUTE_MS,
  maxAgeMs: 30 * DAY_MS,
  maxMsgsPerSubject: -1,
  discard: 'old',
  numReplicas: 1,
};

/** BROKER_STATUS: the last status per broker (`broker.*.status`), so a newcomer reads current state at once. */
export const BROKER_STATUS_STREAM: StreamSpec = {
  name: 'BROKER_STATUS',
  description: 'Last broker connection status per broker (broker.<broker>.status)',
  subjects: ['broker.*.status'],
  storage: 'file',
  retention: 'limits',
  duplicateWindowMs: 2 * MINUTE_MS,
  maxAgeMs: 0,
  maxMsgsPerSubject: 1,
  discard: 'old',
  numReplicas: 1,
};

/**
 * BROKER_ORDER_IDS: per broker, the gateway's reserved high-water mark of broker order ids
 * (`broker.<broker>.orderIds`, one message kept per subject). A gateway writes a new mark, and waits for the
 * stream's ack, before it hands out any id below it; after a restart (kill -9 included) it starts at or above the
 * stored mark, so an id that was handed out but never reached the broker (IB's nextValidId does not know it) is
 * never given to another order. Kept forever; file storage (must survive a NATS restart).
 */
export const BROKER_ORDER_IDS_STREAM: StreamSpec = {
  name: 'BROKER_ORDER_IDS',
  description: 'Reserved broker order id high-water mark per broker (broker.<broker>.orderIds)',
  subjects: ['broker.*.orderIds'],
  storage: 'file',
  retention: 'limits',
  duplicateWindowMs: 2 * MINUTE_MS,
  maxAgeMs: 0,
  maxMsgsPerSubject: 1,
  discard: 'old',
  numReplicas: 1,
};

export const STREAMS = [ORDERS_STREAM, BROKER_EVENTS_STREAM, BROKER_STATUS_STREAM, BROKER_ORDER_IDS_STREAM] as const;
export type StreamName = (typeof STREAMS)[number]['name'];

/** Durable consumer names, fixed so a restarted service resumes where it stopped. */
export const DURABLE_CONSUMERS = {
  /** orders reading its brokers' events (filtered per broker: `orders-broker-<broker>` is also fine). */
  ordersBrokerEvents: 'orders-broker-events',
  /** history building the order/trade read model. */
  historyOrders: 'history-orders',
} as const;
