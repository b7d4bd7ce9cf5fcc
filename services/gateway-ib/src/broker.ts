/**
 * One hosted broker: its connection plus every capability, and the `broker.<name>.cmd.*` handlers that expose
 * them. Handlers parse (the bus already validated the body), call the capability, and turn typed errors into
 * `{ ok: false, code }` replies; nothing here knows IB details.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BrokerCommandVerb,
  type BrokerInfo,
  type BrokerMdSubscribeRequest,
  type BrokerMdUnsubscribeRequest,
  ContractError,
  type ErrorReply,
  type FetchHistoryRequest,
  type IbConnectionConfig,
  type QualifyContractRequest,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { BrokerConnection, type ConnectionOptions } from './connection.js';
import { ContractCache } from './contract-cache.js';
import type { PacingRules } from './history-pacing.js';
import { HistoryQueue } from './history-queue.js';
import { MarketData, type MarketDataOptions } from './market-data.js';

export interface BrokerOptions {
  readonly connection?: ConnectionOptions;
  readonly marketData?: MarketDataOptions;
  readonly historyPacing?: Partial<PacingRules>;
  readonly contractTimeoutMs?: number;
}

export class HostedBroker {
  readonly conn: BrokerConnection;
  readonly contracts: ContractCache;
  readonly marketData: MarketData;
  readonly history: HistoryQueue;
  private readonly subs: Subscription[] = [];

  constructor(
    readonly name: string,
    readonly config: IbConnectionConfig,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly gatewayType: string,
    options: BrokerOptions = {},
  ) {
    this.conn = new BrokerConnection(name, config, bus, log.child({ component: 'connection' }), {
      gatewayType,
      ...options.connection,
    });
    this.contracts = new ContractCache(
      this.conn,
      log.child({ component: 'contracts' }),
      options.contractTimeoutMs === undefined ? {} : { timeoutMs: options.contractTimeoutMs },
    );
    this.marketData = new MarketData(
      this.conn,
      this.contracts,
      bus,
      log.child({ component: 'market-data' }),
      options.marketData,
    );
    this.history = new HistoryQueue(
      this.conn,
      this.contracts,
      log.child({ component: 'history' }),
      options.historyPacing,
    );
  }

  start(): void {
    this.serve('status', async () => ({ v: 1, ok: true, status: this.conn.status() }));
    this.serve('qualifyContract', async (req: QualifyContractRequest) => ({
      v: 1,
      ok: true,
      instruments: [...(await this.contracts.qualify(req.instrument, req.allowMany))],
    }));
    this.serve('mdSubscribe', async (req: BrokerMdSubscribeRequest) => ({
      v: 1,
      ok: true,
      ...(await this.marketData.subscribe(req)),
    }));
    this.serve('mdUnsubscribe', async (req: BrokerMdUnsubscribeRequest) => {
      this.marketData.unsubscribe(req);
      return { v: 1, ok: true };
    });
    this.serve('fetchHistory', async (req: FetchHistoryRequest) => {
      const r = await this.history.fetch(req);
      return { v: 1, ok: true, requestId: req.requestId, ...r };
    });
    this.conn.start();
  }

  info(): BrokerInfo {
    return {
      name: this.name,
      gatewayType: this.gatewayType,
      host: this.config.host,
      port: this.config.port,
      clientId: this.config.clientId,
      paper: this.config.paper,
      state: this.conn.status().state,
      accounts: [...this.conn.managedAccounts],
    };
  }

  async stop(): Promise<void> {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.history.stop();
    this.marketData.stop();
    await this.conn.stop();
  }

  private serve<Req>(verb: BrokerCommandVerb, handler: (req: Req) => Promise<unknown>): void {
    const subject = Subjects.brokerCommand.build({ broker: this.name, verb });
    this.subs.push(
      this.bus.serve<Req>(subject, async (req) => {
        try {
          return await handler(req);
        } catch (err) {
          return toErrorReply(err, this.log, subject);
        }
      }),
    );
  }
}

export function toErrorReply(err: unknown, log: Logger, subject: string): ErrorReply {
  if (err instanceof ContractError) return err.toReply();
  log.error({ err, subject }, 'command failed');
  return { v: 1, ok: false, code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}
