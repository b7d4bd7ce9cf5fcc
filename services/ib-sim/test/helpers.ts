/** Test helpers: start a sim in-process, connect @stoqey/ib or a raw TWS-protocol socket, await events. */
import { connect as netConnect, type Socket } from 'node:net';
import { type BarSizeSetting, type Contract, EventName, IBApi, type WhatToShow } from '@stoqey/ib';
import { type RunningSim, type SimOptions, startSim } from '../src/app.js';
import { scaledClock } from '../src/clock.js';
import { encodeFrame, FrameDecoder, splitFields } from '../src/wire/framing.js';

/** A Tuesday, 11:00 New York: US stocks, futures and FX are all open. */
export const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');

export function startTestSim(options: SimOptions = {}): Promise<RunningSim> {
  return startSim({ port: 0, clock: scaledClock(TUESDAY_1100_ET, 1), ...options });
}

export interface IbError {
  readonly code: number;
  readonly reqId: number;
  readonly message: string;
}

export interface TestClient {
  readonly ib: IBApi;
  readonly errors: IbError[];
  readonly infos: IbError[];
  /** managedAccounts payloads received (comma-separated lists). */
  readonly accounts: string[];
  close(): void;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connects @stoqey/ib and resolves once nextValidId arrived. */
export async function connectClient(port: number, clientId: number): Promise<TestClient> {
  const ib = new IBApi({ host: '127.0.0.1', port });
  const errors: IbError[] = [];
  const infos: IbError[] = [];
  const accounts: string[] = [];
  ib.on(EventName.managedAccounts, (list: string) => accounts.push(list));
  ib.on(EventName.error, (err: Error, code: number, reqId: number) =>
    errors.push({ code, reqId, message: err.message }),
  );
  ib.on(EventName.info, (message: string, code: number) => infos.push({ code, reqId: -1, message }));
  const ready = new Promise<void>((resolve) => ib.once(EventName.nextValidId, () => resolve()));
  ib.connect(clientId);
  await withTimeout(ready, 5_000, 'nextValidId');
  return { ib, errors, infos, accounts, close: () => ib.disconnect() };
}

/** @stoqey/ib types `on` per event; generic helpers use this untyped view of the same emitter. */
interface LooseEmitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

export function loose(ib: IBApi): LooseEmitter {
  return ib as unknown as LooseEmitter;
}

/** Resolves with the args of the first `event` whose args satisfy `match`. */
export function nextEvent<A extends unknown[]>(
  ib: IBApi,
  event: EventName,
  match: (...args: A) => boolean = () => true,
  ms = 5_000,
): Promise<A> {
  return withTimeout(
    new Promise<A>((resolve) => {
      const listener = (...args: unknown[]): void => {
        if (match(...(args as A))) {
          loose(ib).off(event, listener);
          resolve(args as A);
        }
      };
      loose(ib).on(event, listener);
    }),
    ms,
    `event ${event}`,
  );
}

export interface TestBar {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  count: number;
  wap: number;
}

export class IbRequestError extends Error {
  override readonly name = 'IbRequestError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** reqHistoricalData → bars (resolves at historicalDataEnd, rejects on an error for this reqId). */
export function fetchBars(
  ib: IBApi,
  reqId: number,
  contract: Contract,
  end: string,
  duration: string,
  barSize: string,
  whatToShow: string,
  useRth = 1,
  formatDate = 1,
  ms = 10_000,
): Promise<TestBar[]> {
  const bars: TestBar[] = [];
  return withTimeout(
    new Promise<TestBar[]>((resolve, reject) => {
      const onBar = (
        id: number,
        time: string,
        open: number,
        high: number,
        low: number,
        close: number,
        volume: number,
        count: number,
        wap: number,
      ): void => {
        if (id !== reqId) return;
        if (time.startsWith('finished')) {
          cleanup();
          resolve(bars);
          return;
        }
        bars.push({ time, open, high, low, close, volume, count, wap });
      };
      const onError = (err: Error, code: number, id: number): void => {
        if (id !== reqId || code === 2174) return;
        cleanup();
        reject(new IbRequestError(code, err.message));
      };
      const cleanup = (): void => {
        loose(ib).off(EventName.historicalData, onBar);
        loose(ib).off(EventName.error, onError);
      };
      loose(ib).on(EventName.historicalData, onBar);
      loose(ib).on(EventName.error, onError);
      ib.reqHistoricalData(
        reqId,
        contract,
        end,
        duration,
        barSize as BarSizeSetting,
        whatToShow as WhatToShow,
        useRth,
        formatDate,
        false,
      );
    }),
    ms,
    `historical data ${reqId}`,
  );
}

/** A raw TWS-protocol client: handshake, START_API, every received message kept as its field list. */
export class RawClient {
  readonly messages: string[][] = [];
  private readonly decoder = new FrameDecoder();
  private waiters: Array<() => void> = [];
  closed = false;
  serverHello: string[] | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) {
        const fields = splitFields(payload);
        if (!this.serverHello) this.serverHello = fields;
        else this.messages.push(fields);
      }
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async open(port: number, versions = 'v100..193'): Promise<RawClient> {
    const socket = netConnect(port, '127.0.0.1');
    await withTimeout(new Promise<void>((resolve) => socket.once('connect', () => resolve())), 3_000, 'tcp connect');
    const client = new RawClient(socket);
    const version = Buffer.from(versions, 'latin1');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(version.length);
    socket.write(Buffer.concat([Buffer.from('API\0', 'latin1'), length, version]));
    return client;
  }

  /** Opens, negotiates and starts the API with clientId; resolves when nextValidId arrived. */
  static async started(port: number, clientId: number, versions = 'v100..193'): Promise<RawClient> {
    const client = await RawClient.open(port, versions);
    await client.until(() => client.serverHello !== undefined, 'server hello');
    client.send(['71', '2', String(clientId), '']);
    await client.waitFor((m) => m[0] === '9');
    return client;
  }

  send(fields: string[]): void {
    this.socket.write(encodeFrame(fields));
  }

  async until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await withTimeout(
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        Math.max(1, deadline - Date.now()),
        what,
      ).catch(() => undefined);
    }
  }

  async waitFor(match: (m: string[]) => boolean, what = 'message', ms = 5_000): Promise<string[]> {
    let found: string[] | undefined;
    await this.until(
      () => {
        found = this.messages.find(match);
        return found !== undefined || this.closed;
      },
      what,
      ms,
    );
    if (!found) throw new Error(`connection closed before ${what}`);
    return found;
  }

  async waitClosed(ms = 5_000): Promise<void> {
    await this.until(() => this.closed, 'socket close', ms);
  }

  close(): void {
    this.socket.destroy();
  }
}
