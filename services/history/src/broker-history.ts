import { type Bus, InvalidMessageError, JetStreamError } from '@trading-system/bus';
import { requestBroker } from '@trading-system/clients';
import {
  BROKER_STATUS_STREAM,
  type BrokerStatus,
  type BrokerStatusReply,
  brokerNowMs,
  type HistoryCapabilities,
  parseTimeframe,
  Subjects,
} from '@trading-system/contracts';
import { errorCode, errorMessage, HistoryError } from './errors.js';

/** A broker's announcement is asked again after this long, ms (it changes only with its gateway's settings). */
const FRESH_MS = 30_000;

/**
 * What each broker announces about its historical data (`BrokerStatus.capabilities.history`, asked with the `status`
 * command): the bar sizes it serves, how long a request may span and how far back, its request budget. History plans
 * every download from it. An announcement is reused for FRESH_MS; when the broker cannot be asked, the last one it
 * gave is used (it is the broker's own word, only older): this process's, else the status the gateway last left in
 * stream BROKER_STATUS — so the cache stays readable (cachedOnly, dashboards, notebooks) while the gateway is down,
 * even right after this service restarted. Without any, the request is refused.
 */
export class BrokerHistory {
  private readonly known = new Map<string, { caps: HistoryCapabilities; atMs: number }>();
  /**
   * Each broker's clock as its status last announced it (BrokerStatus.brokerTimeMs): the broker's time when it was
   * heard, and when that was on this process's monotonic clock, so its now is carried forward by elapsed time only
   * (whatever clock this service is given, and whatever clock the gateway stamps its status with).
   */
  private readonly clocks = new Map<string, { brokerMs: number; heardAtPerfMs: number }>();
  /** One question per broker at a time: a burst of requests (or live bars) shares it. */
  private readonly asking = new Map<string, Promise<HistoryCapabilities | HistoryError>>();

  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  async of(broker: string): Promise<HistoryCapabilities> {
    const last = this.known.get(broker);
    if (last !== undefined && performance.now() - last.atMs < FRESH_MS) return last.caps;
    let question = this.asking.get(broker);
    if (question === undefined) {
      question = this.ask(broker).finally(() => this.asking.delete(broker));
      this.asking.set(broker, question);
    }
    const asked = await question;
    if (!(asked instanceof HistoryError)) {
      this.known.set(broker, { caps: asked, atMs: performance.now() });
      return asked;
    }
    if (last !== undefined && asked.code !== 'BROKER_CAPABILITIES_UNKNOWN') return last.caps;
    throw asked;
  }

  /**
   * The broker's now, from the time its last status announced (asked with its capabilities in `of`), so "the last N
   * days" and the lookback limit are counted back from the broker's now (a simulator's or a replay's may be years
   * away from ours); `ours` when the broker announces no time (an older gateway, or none learned yet).
   */
  nowOf(broker: string, ours: number): number {
    const c = this.clocks.get(broker);
    return c === undefined ? ours : Math.round(c.brokerMs + (performance.now() - c.heardAtPerfMs));
  }

  /** The last announcement, when one was had: for callers that must not wait for the broker (live bars). */
  lastKnown(broker: string): HistoryCapabilities | undefined {
    return this.known.get(broker)?.caps;
  }

  private async ask(broker: string): Promise<HistoryCapabilities | HistoryError> {
    let reply: BrokerStatusReply;
    try {
      reply = await requestBroker(this.bus, broker, 'status', { v: 1 }, { timeoutMs: this.timeoutMs });
    } catch (err) {
      const retained = await this.retained(broker);
      if (retained !== undefined) return retained;
      return new HistoryError(errorCode(err), `status of broker ${broker}: ${errorMessage(err)}`);
    }
    if (!reply.ok) return new HistoryError(reply.code, reply.message);
    // A status made for this question: its broker time is the broker's now (within the round trip).
    this.heard(broker, reply.status.brokerTimeMs);
    const history = reply.status.capabilities?.history;
    if (history === undefined)
      return new HistoryError('BROKER_CAPABILITIES_UNKNOWN', `broker ${broker} announces no historical data`);
    return history;
  }

  private heard(broker: string, brokerMs: number | undefined): void {
    if (brokerMs === undefined) this.clocks.delete(broker);
    else this.clocks.set(broker, { brokerMs, heardAtPerfMs: performance.now() });
  }

  /** The history announcement of the status the broker's gateway last published (kept in BROKER_STATUS). */
  private async retained(broker: string): Promise<HistoryCapabilities | undefined> {
    try {
      const last = await this.bus.jetstream.lastMessage<BrokerStatus>(
        BROKER_STATUS_STREAM.name,
        Subjects.brokerStatus.build({ broker }),
      );
      // Kept by whichever gateway version published last: the bus reads either shape (BrokerStatus). Published some
      // time ago: its broker time is carried forward to now by the wall time since (brokerNowMs).
      if (last !== undefined) this.heard(broker, brokerNowMs(last.data, Date.now()));
      return last?.data.capabilities?.history;
    } catch (err) {
      // No BROKER_STATUS stream (nothing set it up on this server) or a status of an older shape: there is no
      // retained word to fall back on, and the caller reports the failed question itself.
      if (err instanceof JetStreamError || err instanceof InvalidMessageError) return undefined;
      throw err;
    }
  }
}

const lengthMs = (timeframe: string): number => (parseTimeframe(timeframe).seconds ?? 31 * 86_400) * 1_000;

/**
 * The bar size to fetch for `timeframe`: the timeframe itself when the broker serves it, else the largest size it
 * serves whose bars tile it exactly (7m from 1m, 45m from 15m, 2d from 1d), resampled. Calendar months tile only
 * from months. Undefined when no served size tiles it.
 */
export function sourceTimeframe(timeframe: string, served: readonly string[]): string | undefined {
  if (served.includes(timeframe)) return timeframe;
  const target = parseTimeframe(timeframe);
  let best: string | undefined;
  for (const s of served) {
    const p = parseTimeframe(s);
    const tiles =
      target.seconds === undefined
        ? p.unit === 'mo' && target.count % p.count === 0
        : p.seconds !== undefined && target.seconds % p.seconds === 0;
    if (tiles && (best === undefined || lengthMs(s) > lengthMs(best))) best = s;
  }
  return best;
}
