/**
 * Broker order ids that are never handed to two orders, across gateway restarts and kill -9.
 *
 * IB's nextValidId only knows the ids that reached it. An id handed out to an order that was still queued when
 * the gateway died is unknown to IB, so after a restart IB would offer it again: two orders, one id, and a cancel
 * of the first one reaching the second. The allocator therefore reserves ids in blocks: it stores a high-water
 * mark (BROKER_ORDER_IDS, `broker.<broker>.orderIds`) and waits for the stream's acknowledgement BEFORE it hands
 * out any id below that mark; a fresh instance loads the mark before its first id and starts at or above it.
 *
 * Why it cannot collide: every id ever handed out is below a mark that was stored before it was handed out;
 * marks only grow; a new instance hands out nothing before it has loaded the latest mark (read-your-writes on
 * the stream), and starts at max(loaded mark, IB's nextValidId, any id IB reported in use).
 */
import type { Bus } from '@trading-system/bus';
import { BROKER_ORDER_IDS_STREAM, ContractError, type IbOrderIdReservation, Subjects } from '@trading-system/contracts';

/** IB order ids are 32-bit signed integers. */
const MAX_ORDER_ID = 2_147_483_647;

export interface OrderIdStore {
  /** The stored high-water mark; undefined when none was ever stored. */
  load(): Promise<number | undefined>;
  /** Stores a higher mark; resolves only once it is durable (the stream acknowledged it). */
  save(highWater: number): Promise<void>;
}

/** The store on the bus's JetStream: the last message of `broker.<broker>.orderIds` is the mark. */
export function busOrderIdStore(
  bus: Bus,
  broker: string,
  clientId: number,
  instanceId: string,
  now: () => number = Date.now,
): OrderIdStore {
  const subject = Subjects.brokerOrderIds.build({ broker });
  return {
    async load() {
      const last = await bus.jetstream.lastMessage<IbOrderIdReservation>(BROKER_ORDER_IDS_STREAM.name, subject);
      return last?.data.highWater;
    },
    async save(highWater) {
      const body: IbOrderIdReservation = { v: 1, broker, highWater, clientId, instanceId, tsMs: now() };
      await bus.jetstream.publish(subject, body, { msgId: `${broker}:ids:${instanceId}:${highWater}` });
    },
  };
}

export class OrderIdAllocator {
  /** Lower bound of the next id to hand out. */
  private next = 1;
  /** Exclusive: every id below it is covered by a stored mark. */
  private reservedTo = 0;
  private loaded = false;
  private loading: Promise<void> | undefined;
  private reserving: Promise<void> | undefined;
  /** Blocks reserved by this instance (tests and logs). */
  reservations = 0;

  constructor(
    private readonly store: OrderIdStore,
    private readonly blockSize = 1_000,
  ) {
    if (!(blockSize >= 1)) throw new RangeError(`blockSize must be ≥ 1, got ${blockSize}`);
  }

  /** Ids below `id` are not to be used (IB's nextValidId, or one more than an id IB reported in use). */
  raiseTo(id: number): void {
    if (id > this.next) this.next = id;
  }

  /** Loads the stored mark now (at start), so the first order does not wait for it; failures surface in take(). */
  preload(): Promise<void> {
    return this.ensureLoaded().catch(() => undefined);
  }

  /**
   * The next id: unique across restarts. Throws SERVICE_UNAVAILABLE (retryable) when the mark cannot be read or
   * written: no id is handed out without it.
   */
  async take(): Promise<number> {
    await this.ensureLoaded();
    while (this.next >= this.reservedTo) await this.reserve();
    const id = this.next;
    this.next += 1;
    return id;
  }

  private ensureLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.store
      .load()
      .then((mark) => {
        if (mark !== undefined) this.raiseTo(mark);
        this.loaded = true;
      })
      .catch((err: unknown) => {
        throw new ContractError('SERVICE_UNAVAILABLE', 'the order id high-water mark cannot be read', { cause: err });
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private reserve(): Promise<void> {
    this.reserving ??= (async () => {
      const highWater = Math.max(this.next, this.reservedTo) + this.blockSize;
      if (highWater > MAX_ORDER_ID) {
        throw new ContractError('INTERNAL_ERROR', `broker order ids exhausted (next ${this.next})`);
      }
      try {
        await this.store.save(highWater);
      } catch (err) {
        throw new ContractError('SERVICE_UNAVAILABLE', 'the order id high-water mark cannot be stored', {
          cause: err,
        });
      }
      this.reservedTo = Math.max(this.reservedTo, highWater);
      this.reservations += 1;
    })().finally(() => {
      this.reserving = undefined;
    });
    return this.reserving;
  }
}
