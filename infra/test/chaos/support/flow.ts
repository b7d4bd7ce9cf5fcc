/**
 * The chaos suite's order flow: several NATS clients, each with several lanes sending orders back to back
 * (unpaced: no rate of our own, the system's governors and refusals set the pace), some limit orders cancelled or
 * modified right after their submit. Everything a client asked for is recorded, so the audit can say which
 * broker-side change was asked for and which was not (a cancel nobody asked for is a misdirected one).
 *
 * A command is retried with the same body (idempotent by clientOrderId) while the OMS is away or says so
 * (no responders, timeout, SERVICE_UNAVAILABLE), within a deadline; any other answer is its outcome.
 */
import { randomUUID } from 'node:crypto';
import { type Bus, NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import { describeError, isErrorCode, Subjects } from '@trading-system/contracts';
import { type ResponderKills, seededRandom } from '@trading-system/testkit';

/** AAPL, SPY, MSFT in ib-sim's catalog. */
export const INSTRUMENTS = ['265598', '756733', '272093'] as const;

export interface FlowScale {
  /** Orders per fault scenario (CHAOS_ORDERS, default 120). */
  readonly orders: number;
  /** NATS connections sending (CHAOS_CLIENTS, default 3). */
  readonly clients: number;
  /** Commands each client keeps in flight (CHAOS_LANES, default 6). */
  readonly lanes: number;
}

export function flowScale(env: NodeJS.ProcessEnv = process.env): FlowScale {
  const int = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${v}`);
    return n;
  };
  return { orders: int('CHAOS_ORDERS', 120), clients: int('CHAOS_CLIENTS', 3), lanes: int('CHAOS_LANES', 6) };
}

export type Reply = { ok: boolean; code?: string; message?: string; order?: { state: string } };

const RETRYABLE: ReadonlySet<string> = new Set(['SERVICE_UNAVAILABLE', 'TIMEOUT']);
/** Resubmits of one order after retryable refusals (each under its own clientOrderId). */
const MAX_RESUBMITS = 6;

/** What one scenario's clients did. */
export interface FlowRecord {
  /** Prefix of every clientOrderId of the scenario. */
  readonly prefix: string;
  /** clientOrderId → first final answer to its submit (every attempt of an order is its own clientOrderId). */
  readonly submits: Map<string, Reply>;
  /** clientOrderId → the quantities it may have at the broker (the original and every modify asked for). */
  readonly quantities: Map<string, Set<string>>;
  /** clientOrderIds a cancel was sent for (recorded before sending). */
  readonly cancelsAsked: Set<string>;
  /** Non-ok answers (any command) whose code is not in the error registry, with the command. */
  readonly untyped: string[];
  /** Answers per code, over every command ('ok' for successes). */
  readonly codes: Record<string, number>;
  /** When the scenario started (epoch ms), and per refusal code the first and last answer, ms after it. */
  readonly startedAtMs: number;
  readonly codeTimes: Record<string, { first: number; last: number }>;
  /** Commands that got no final answer within the deadline. */
  readonly unanswered: string[];
  retries: number;
  /** Orders submitted again under a new clientOrderId after a retryable refusal. */
  resubmits: number;
  /** Orders (of the flow, resubmits not counted) answered so far (the fault schedule keys on it). */
  answered: number;
}

export function newRecord(prefix: string): FlowRecord {
  return {
    prefix,
    submits: new Map(),
    quantities: new Map(),
    cancelsAsked: new Set(),
    untyped: [],
    codes: {},
    startedAtMs: Date.now(),
    codeTimes: {},
    unanswered: [],
    retries: 0,
    resubmits: 0,
    answered: 0,
  };
}

/**
 * One command until it has a final answer (or the deadline passes: then undefined, recorded as unanswered). One the
 * OMS held when a scenario killed it (`omsKills`) is sent again once the OMS serves again, not after its timeout.
 */
export async function command(
  bus: Bus,
  subject: string,
  body: Record<string, unknown>,
  record: FlowRecord,
  omsKills: ResponderKills,
  deadlineMs = 120_000,
): Promise<Reply | undefined> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    try {
      // The SDK's default: longer than the OMS's wait for a repeated clientOrderId still being handled (its broker
      // timeout + 5 s), after which it answers with the order as it stands.
      const sent = await omsKills.request(bus.request<Reply>(subject, body, { timeoutMs: 15_000 }));
      if ('recovered' in sent) {
        record.retries += 1;
        await sent.recovered;
        continue;
      }
      const r = sent.reply;
      if (r.ok || r.code === undefined || !RETRYABLE.has(r.code)) {
        const code = r.ok ? 'ok' : (r.code ?? 'none');
        record.codes[code] = (record.codes[code] ?? 0) + 1;
        if (!r.ok) {
          const at = Date.now() - record.startedAtMs;
          const t = record.codeTimes[code];
          record.codeTimes[code] = { first: t?.first ?? at, last: at };
        }
        if (!r.ok && (r.code === undefined || !isErrorCode(r.code)))
          record.untyped.push(`${subject} ${JSON.stringify(body)} → ${JSON.stringify(r)}`);
        return r;
      }
      last = `${r.code}: ${r.message}`;
    } catch (err) {
      if (!(err instanceof NoRespondersError) && !(err instanceof RequestTimeoutError)) throw err;
      last = err.name;
    }
    record.retries += 1;
    if (Date.now() > deadline) {
      record.unanswered.push(`${subject} ${JSON.stringify(body)} (last: ${last})`);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A scenario's flow is reproducible from its seed. */
export const rng = seededRandom;

export interface FlowOptions {
  readonly broker: string;
  readonly clients: readonly Bus[];
  readonly scale: FlowScale;
  readonly seed: number;
  /** Last price per instrumentId: limit prices are placed around it. */
  readonly reference: ReadonlyMap<string, number>;
  readonly record: FlowRecord;
  /** The OMS's kills by the scenario's fault (commands it held are sent again once it serves). */
  readonly omsKills: ResponderKills;
}

/**
 * Sends `scale.orders` orders: 30 % MKT (fill at once), the rest LMT within ±1 % of the reference (about a quarter
 * cross). Of the accepted limit orders 35 % are cancelled and 10 % modified (new quantity) right away. An order
 * refused with a retryable code is submitted again under a new clientOrderId (at most MAX_RESUBMITS times).
 */
export async function runFlow(o: FlowOptions): Promise<void> {
  const { record } = o;
  let next = 0;
  const lane = async (client: Bus, laneSeed: number) => {
    const random = rng(laneSeed);
    const pending: Promise<unknown>[] = [];
    for (;;) {
      const i = next++;
      if (i >= o.scale.orders) break;
      const instrumentId = INSTRUMENTS[Math.floor(random() * INSTRUMENTS.length)] as string;
      const px = o.reference.get(instrumentId) ?? 0;
      const side = random() < 0.5 ? 'BUY' : 'SELL';
      const market = random() < 0.3;
      const offset = (random() * 0.02 - 0.015) * (side === 'BUY' ? 1 : -1);
      const quantity = String(1 + Math.floor(random() * 5));
      const spec = {
        v: 1,
        broker: o.broker,
        instrument: { id: instrumentId },
        side,
        quantity,
        orderType: market ? 'MKT' : 'LMT',
        ...(market ? {} : { limitPrice: (px * (1 + offset)).toFixed(2) }),
        tif: 'DAY',
      };
      // A refusal the registry calls retryable (broker disconnected or busy, no reference price yet) is submitted
      // again under a new clientOrderId after a pause, as its hint says: the flow goes on through the fault.
      let clientOrderId = '';
      let r: Reply | undefined;
      for (let attempt = 0; ; attempt++) {
        clientOrderId = `${record.prefix}-${i}-${randomUUID().slice(0, 8)}`;
        record.quantities.set(clientOrderId, new Set([quantity]));
        r = await command(client, Subjects.ordersSubmit.build(), { ...spec, clientOrderId }, record, o.omsKills);
        if (r !== undefined) record.submits.set(clientOrderId, r);
        const again =
          r !== undefined && !r.ok && r.code !== undefined && isErrorCode(r.code) && describeError(r.code).retryable;
        if (!again || attempt >= MAX_RESUBMITS) break;
        record.resubmits += 1;
        await new Promise((done) => setTimeout(done, 250 * (attempt + 1)));
      }
      record.answered += 1;
      if (r === undefined || !r.ok || market) continue;
      const roll = random();
      if (roll < 0.35) {
        record.cancelsAsked.add(clientOrderId);
        pending.push(command(client, Subjects.ordersCancel.build(), { v: 1, clientOrderId }, record, o.omsKills));
      } else if (roll < 0.45) {
        const newQuantity = String(6 + Math.floor(random() * 5));
        record.quantities.get(clientOrderId)?.add(newQuantity);
        pending.push(
          command(
            client,
            Subjects.ordersModify.build(),
            { v: 1, clientOrderId, quantity: newQuantity },
            record,
            o.omsKills,
          ),
        );
      }
    }
    await Promise.all(pending);
  };
  await Promise.all(
    o.clients.flatMap((client, c) =>
      Array.from({ length: o.scale.lanes }, (_, l) => lane(client, o.seed + c * 1_000 + l)),
    ),
  );
}
