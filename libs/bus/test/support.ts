import { Writable } from 'node:stream';
import { createCatalog, type MessageCatalog, okReply } from '@trading-system/contracts';
import { type Logger, pino } from 'pino';
import { z } from 'zod';

/** Decimal strings as the contracts use them: JSON has no NaN, so "NaN" must fail here. */
const Decimal = z.string().regex(/^-?\d{1,20}(\.\d{1,12})?$/, 'not a decimal string');

export const Tick = z.object({ symbol: z.string().min(1), price: Decimal, size: z.number().int().nonnegative() });
export type Tick = z.infer<typeof Tick>;

export const Note = z.object({ n: z.number().int() });

export const EchoRequest = z.object({ text: z.string().max(100) });
export const EchoReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), text: z.string() }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
export type EchoReply = z.infer<typeof EchoReply>;

/** A request shaped like the system's own: versioned, with the registry ErrorReply as its error arm. */
export const VersionedRequest = z.object({ v: z.literal(1), text: z.string().max(100), shard: z.int().optional() });
export const VersionedReply = okReply({ text: z.string() });
export type VersionedReply = z.infer<typeof VersionedReply>;

/** `act` tells a JetStream test handler what to do with the message. */
export const OrderEvent = z.object({ id: z.string(), act: z.enum(['ack', 'throw', 'nak', 'none', 'hold']) });
export type OrderEvent = z.infer<typeof OrderEvent>;

const who = { producer: 'test', consumers: 'test' };

/** Patterns start with `*` so every fixture's own prefix matches. */
export const testCatalog: MessageCatalog = createCatalog([
  { pattern: '*.tick.*', kind: 'event', description: 'ticks', message: Tick, ...who },
  { pattern: '*.note.>', kind: 'event', description: 'notes', message: Note, ...who },
  { pattern: '*.echo', kind: 'request', description: 'echo', request: EchoRequest, reply: EchoReply, ...who },
  {
    pattern: '*.versioned',
    kind: 'request',
    description: 'versioned echo',
    request: VersionedRequest,
    reply: VersionedReply,
    ...who,
  },
  { pattern: '*.orders.>', kind: 'stream', description: 'order events', message: OrderEvent, ...who },
]);

export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly subject?: string;
  readonly reason?: string;
  readonly err?: { readonly type?: string; readonly message?: string };
}

/** A real pino logger writing JSON lines into memory, so tests can read what the bus logged. */
export function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** Collects items and resolves waits when enough have arrived; rejects after a timeout instead of hanging. */
export class Collector<T> {
  readonly items: T[] = [];
  private waiters: { count: number; resolve: (items: T[]) => void }[] = [];

  push = (item: T): void => {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (this.items.length < w.count) return true;
      w.resolve([...this.items]);
      return false;
    });
  };

  waitFor(count: number, timeoutMs = 5_000): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve([...this.items]);
    return new Promise<T[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${count} items; got ${this.items.length}`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: (items) => {
          clearTimeout(timer);
          resolve(items);
        },
      });
    });
  }
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
