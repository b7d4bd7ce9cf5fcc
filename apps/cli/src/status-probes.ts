/**
 * The probes behind `status`: one request per part of the system, each with its own deadline, answered or not.
 * A probe never throws; it reports what it saw.
 */
import type { Bus } from '@trading-system/bus';
import {
  type BrokerStatusReply,
  type HistOrdersReply,
  type MdSnapshotReply,
  Subjects,
  type TradingStateReply,
} from '@trading-system/contracts';

export type ProbeState = 'ok' | 'degraded' | 'down';

export interface ProbeResult {
  readonly component: string;
  readonly state: ProbeState;
  readonly detail: string;
  /** Round trip of the probe request, ms (absent when it did not answer). */
  readonly latencyMs?: number;
}

async function probe(
  component: string,
  ask: () => Promise<{ ok: boolean; code?: string; message?: string }>,
  judge: (reply: never) => { state: ProbeState; detail: string },
): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const reply = await ask();
    const latencyMs = Math.round(performance.now() - started);
    if (!reply.ok) return { component, state: 'degraded', detail: `${reply.code}: ${reply.message}`, latencyMs };
    return { component, ...judge(reply as never), latencyMs };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    const detail =
      name === 'NoRespondersError'
        ? 'no responder'
        : name === 'RequestTimeoutError'
          ? 'no answer (timeout)'
          : String(err);
    return { component, state: 'down', detail };
  }
}

export function probeSystem(bus: Bus, broker: string, timeoutMs: number): Promise<ProbeResult[]> {
  const opts = { timeoutMs };
  return Promise.all([
    probe(
      `broker ${broker} (gateway-ib)`,
      () => bus.request<BrokerStatusReply>(Subjects.brokerCommand.build({ broker, verb: 'status' }), { v: 1 }, opts),
      (r: Extract<BrokerStatusReply, { ok: true }>) => {
        const s = r.status;
        const broken = s.farms.filter((f) => f.state === 'broken').map((f) => f.name);
        const parts = [
          s.state,
          `accounts ${s.accounts.join(',') || '-'}`,
          s.paper ? 'paper' : 'LIVE',
          `clientId ${s.clientId}`,
          ...(broken.length > 0 ? [`broken farms ${broken.join(',')}`] : []),
          ...(s.lastCode === undefined ? [] : [`last IB code ${s.lastCode}`]),
        ];
        return {
          state: s.state === 'connected' ? 'ok' : s.state === 'degraded' ? 'degraded' : 'down',
          detail: parts.join(', '),
        };
      },
    ),
    probe(
      'orders',
      () => bus.request<TradingStateReply>(Subjects.ordersTradingState.build(), { v: 1 }, opts),
      (r: Extract<TradingStateReply, { ok: true }>) => ({
        state: r.state.mode === 'active' ? 'ok' : 'degraded',
        detail: `trading ${r.state.mode}${r.state.reason === undefined ? '' : ` (${r.state.reason})`}`,
      }),
    ),
    probe(
      'market-data',
      // A cache-only snapshot: answered by market-data itself, no broker round trip.
      () =>
        bus.request<MdSnapshotReply>(
          Subjects.mdSnapshot.build(),
          { v: 1, broker, instruments: [{ conId: 1 }], cachedOnly: true },
          opts,
        ),
      () => ({ state: 'ok', detail: 'answers md.snapshot' }),
    ),
    probe(
      'history',
      () => bus.request<HistOrdersReply>(Subjects.histOrders.build(), { v: 1, query: { broker, limit: 1 } }, opts),
      () => ({ state: 'ok', detail: 'answers hist.orders' }),
    ),
  ]);
}
