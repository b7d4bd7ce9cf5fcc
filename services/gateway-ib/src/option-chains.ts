/**
 * Option chains for one broker connection (IB reqSecDefOptParams), cached per underlying and exchange filter
 * like contract details: identical lookups in flight share one IB request, and a chain is kept until it is
 * older than `maxAgeMs` (new expirations are listed weekly; the broker's clock, not ours, says which expired).
 * Errors are typed: CONTRACT_UNKNOWN / CONTRACT_AMBIGUOUS (the underlying), TIMEOUT, BROKER_DISCONNECTED.
 */
import { ContractError, type OptionChain, type OptionChainRequest } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection } from './connection.js';
import type { ContractCache } from './contract-cache.js';
import type { IbOptionChainListing } from './ib-port.js';
import { conIdOf } from './parsing/contracts.js';
import { toOptionChain } from './parsing/options.js';

export interface OptionChainCacheOptions {
  /** How long to wait for IB's end message, ms. */
  readonly timeoutMs?: number;
  /** Age after which a cached chain is fetched again, ms (default 6 h). */
  readonly maxAgeMs?: number;
}

export class OptionChainCache {
  private readonly chains = new Map<string, OptionChain>();
  private readonly inflight = new Map<string, Promise<OptionChain>>();
  private readonly failInflight = new Set<(err: ContractError) => void>();
  private readonly timeoutMs: number;
  private readonly maxAgeMs: number;
  /** IB reqSecDefOptParams calls made (cache effectiveness). */
  ibRequests = 0;

  constructor(
    private readonly conn: BrokerConnection,
    private readonly contracts: ContractCache,
    private readonly log: Logger,
    options: OptionChainCacheOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 6 * 3_600_000;
    conn.on({
      down: () => {
        const err = new ContractError('BROKER_DISCONNECTED', `broker ${conn.name} disconnected during a chain lookup`);
        for (const fail of [...this.failInflight]) fail(err);
      },
    });
  }

  async chain(req: OptionChainRequest): Promise<OptionChain> {
    const underlying = await this.contracts.qualifyOne(req.underlying);
    if (underlying.secType === 'OPT' || underlying.secType === 'CASH') {
      throw new ContractError(
        'VALIDATION_FAILED',
        `${underlying.localSymbol} ${underlying.secType} has no option chain`,
      );
    }
    const key = `${underlying.id}|${req.exchange ?? ''}`;
    const now = Date.now();
    const cached = this.chains.get(key);
    if (cached !== undefined && now - cached.tsMs < this.maxAgeMs) return cached;
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const p = this.request(underlying, req.exchange)
      .then((chain) => {
        this.chains.set(key, chain);
        return chain;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private request(underlying: OptionChain['underlying'], exchange: string | undefined): Promise<OptionChain> {
    this.conn.requireReady();
    const reqId = this.conn.allocReqId();
    const listings: IbOptionChainListing[] = [];
    return new Promise<OptionChain>((resolve, reject) => {
      const finish = (err: ContractError | undefined): void => {
        clearTimeout(timer);
        this.conn.unregister(reqId);
        this.failInflight.delete(failer);
        if (err !== undefined) reject(err);
        else resolve(toOptionChain(underlying, listings, exchange, Date.now()));
      };
      const failer = (err: ContractError): void => finish(err);
      const timer = setTimeout(
        () => finish(new ContractError('TIMEOUT', `no option chain from IB within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.failInflight.add(failer);
      this.conn.register(reqId, {
        secDefOptParams: (listing) => listings.push(listing),
        secDefOptParamsEnd: () => finish(undefined),
        code: (code, message, info) => {
          if (info.cls === 'warning') return;
          this.log.warn({ reqId, code, message }, 'option chain refused by IB');
          finish(
            code === 200
              ? new ContractError('CONTRACT_UNKNOWN', `no option chain for ${underlying.localSymbol}`)
              : new ContractError('INTERNAL_ERROR', `IB refused the option chain: ${code} ${message}`, {
                  details: { brokerCode: code },
                }),
          );
        },
      });
      this.ibRequests++;
      // futFopExchange names the exchange of futures options; for stock and index options "" means every one.
      const futFop = underlying.secType === 'FUT' ? underlying.exchange : '';
      try {
        this.conn.send(
          'data',
          'reqSecDefOptParams',
          (port) =>
            port.reqSecDefOptParams(reqId, underlying.symbol, futFop, underlying.secType, conIdOf(underlying.id)),
          1,
          reqId,
        );
      } catch (err) {
        finish(err instanceof ContractError ? err : new ContractError('INTERNAL_ERROR', String(err), { cause: err }));
      }
    });
  }
}
