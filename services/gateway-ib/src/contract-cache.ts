/**
 * Contract lookup and qualification for one broker connection (IB reqContractDetails), cached by instrument id (the
 * conId's decimal string, parsing/contracts.ts) for the life of the process (IB contract details of a conId do not change intraday). A description's answer is cached
 * too (key → ids), and identical lookups in flight share one IB request.
 * Errors are typed: CONTRACT_UNKNOWN (IB 200 / no match), CONTRACT_AMBIGUOUS (several matches, candidates in
 * details), TIMEOUT, BROKER_DISCONNECTED.
 */
import type { ContractDetails } from '@stoqey/ib';
import {
  ContractError,
  canonicalInstrumentRef,
  type Instrument,
  type InstrumentRef,
  isIdRef,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection } from './connection.js';
import { conIdOf, descriptionKey, toIbContract, toInstrument } from './parsing/contracts.js';

const MAX_CANDIDATES = 50;

export interface ContractCacheOptions {
  /** How long to wait for IB's contractDetailsEnd, ms. */
  readonly timeoutMs?: number;
}

export class ContractCache {
  private readonly byId = new Map<string, Instrument>();
  private readonly byKey = new Map<string, readonly string[]>();
  private readonly inflight = new Map<string, Promise<readonly Instrument[]>>();
  private readonly failInflight = new Set<(err: ContractError) => void>();
  private readonly timeoutMs: number;
  /** IB reqContractDetails calls made (cache effectiveness). */
  ibRequests = 0;

  constructor(
    private readonly conn: BrokerConnection,
    private readonly log: Logger,
    options: ContractCacheOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    conn.on({
      down: () => {
        const err = new ContractError('BROKER_DISCONNECTED', `broker ${conn.name} disconnected during lookup`);
        for (const fail of [...this.failInflight]) fail(err);
      },
    });
  }

  /** Cached instrument of an instrument id, if known (no IB round trip). */
  get(id: string): Instrument | undefined {
    return this.byId.get(id);
  }

  /** Exactly one instrument (CONTRACT_AMBIGUOUS otherwise). */
  async qualifyOne(ref: InstrumentRef): Promise<Instrument> {
    const all = await this.qualify(ref, false);
    const first = all[0];
    if (first === undefined) throw new ContractError('CONTRACT_UNKNOWN', 'no contract matches');
    return first;
  }

  /** Every match when `allowMany` (at most 50), else exactly one. */
  async qualify(asGiven: InstrumentRef, allowMany: boolean): Promise<readonly Instrument[]> {
    // `EUR.USD` / `EURUSD` typed as a stock is the forex pair (contracts symbol-forms.ts): one rule for all callers.
    const ref = canonicalInstrumentRef(asGiven);
    const found = this.cached(ref) ?? (await this.lookup(ref));
    if (found.length === 0) throw new ContractError('CONTRACT_UNKNOWN', `no contract matches ${describe(ref)}`);
    if (found.length > 1 && !allowMany) {
      throw new ContractError('CONTRACT_AMBIGUOUS', `${found.length} contracts match ${describe(ref)}`, {
        details: { candidates: found.slice(0, MAX_CANDIDATES) },
      });
    }
    return found.slice(0, MAX_CANDIDATES);
  }

  private cached(ref: InstrumentRef): readonly Instrument[] | undefined {
    if (isIdRef(ref)) {
      conIdOf(ref.id); // an id no IB gateway assigned is refused here (CONTRACT_UNKNOWN), never sent to IB
      const i = this.byId.get(ref.id);
      return i === undefined ? undefined : [i];
    }
    const ids = this.byKey.get(descriptionKey(ref));
    if (ids === undefined) return undefined;
    const out: Instrument[] = [];
    for (const id of ids) {
      const i = this.byId.get(id);
      if (i === undefined) return undefined;
      out.push(i);
    }
    return out;
  }

  private lookup(ref: InstrumentRef): Promise<readonly Instrument[]> {
    const key = descriptionKey(ref);
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const p = this.request(ref).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private request(ref: InstrumentRef): Promise<readonly Instrument[]> {
    this.conn.requireReady();
    const reqId = this.conn.allocReqId();
    const details: ContractDetails[] = [];
    return new Promise<readonly Instrument[]>((resolve, reject) => {
      const finish = (err: ContractError | undefined, value?: readonly Instrument[]): void => {
        clearTimeout(timer);
        this.conn.unregister(reqId);
        this.failInflight.delete(failer);
        if (err !== undefined) reject(err);
        else resolve(value ?? []);
      };
      const failer = (err: ContractError): void => finish(err);
      const timer = setTimeout(
        () => finish(new ContractError('TIMEOUT', `no contract details from IB within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.failInflight.add(failer);
      this.conn.register(reqId, {
        contractDetails: (cd) => details.push(cd),
        contractDetailsEnd: () => {
          try {
            const instruments = details.map(toInstrument);
            for (const i of instruments) this.byId.set(i.id, i);
            this.byKey.set(
              descriptionKey(ref),
              instruments.map((i) => i.id),
            );
            finish(undefined, instruments);
          } catch (err) {
            this.log.error({ err, reqId }, 'unusable contract details from IB');
            finish(new ContractError('INTERNAL_ERROR', 'IB returned unusable contract details', { cause: err }));
          }
        },
        code: (code, message, info) => {
          if (info.cls === 'warning') return;
          if (code === 200) finish(undefined, []);
          else {
            finish(
              new ContractError('INTERNAL_ERROR', `IB refused the contract lookup: ${code} ${message}`, {
                details: { brokerCode: code },
              }),
            );
          }
        },
      });
      this.ibRequests++;
      try {
        this.conn.send('data', 'reqContractDetails', (p) => p.reqContractDetails(reqId, toIbContract(ref)), 1, reqId);
      } catch (err) {
        finish(err instanceof ContractError ? err : new ContractError('INTERNAL_ERROR', String(err), { cause: err }));
      }
    });
  }
}

function describe(ref: InstrumentRef): string {
  if (isIdRef(ref)) return `instrument ${ref.id}`;
  return [ref.symbol, ref.secType, ref.exchange, ref.currency, ref.expiry, ref.strike, ref.right]
    .filter((x) => x !== undefined)
    .join(' ');
}
