/**
 * The probes behind `status`: one request per part of the system, each with its own deadline, answered or not.
 * A probe never throws; it reports what it saw.
 */
import type { Bus } from '@trading-system/bus';
import {
  type BrokerDetails,
  type BrokerNotice,
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

/** A broker type's own details as `<type> key=value ...`, whatever the type (contracts brokers/<type>.ts). */
export function detailsText(d: BrokerDetails): string {
  const { type, ...rest } = d;
  const pairs = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return [type, ...pairs].join(' ');
}

/** The last notice as `last notice <kind> (<code>: <message>)`, its hint after it when there is one. */
export function noticeText(n: BrokerNotice): string {
  return `last notice ${n.kind} (${n.code}: ${n.message})${n.hint === undefined ? '' : `; ${n.hint}`}`;
}

export function probeSystem(bus: Bus, broker: string, timeoutMs: number): Promise<ProbeResult[]> {
  const opts = { timeoutMs };
  return Promise.all([
    probe(
      `broker ${broker} (gateway)`,
      () => bus.request<BrokerStatusReply>(Subjects.brokerCommand.build({ broker, verb: 'status' }), { v: 1 }, opts),
      (r: Extract<BrokerStatusReply, { ok: true }>) => {
        // An older gateway's answer in the previous shape arrives in the current one (BrokerStatus reads both).
        const s = r.status;
        const broken = s.feeds.filter((f) => f.state === 'broken').map((f) => f.name);
        const parts = [
          s.state,
          `accounts ${s.accounts.join(',') || '-'}`,
          s.paper ? 'paper' : 'LIVE',
          ...(s.details === undefined ? [] : [detailsText(s.details)]),
          ...(broken.length > 0 ? [`broken feeds ${broken.join(',')}`] : []),
          ...(s.notice === undefined ? [] : [noticeText(s.notice)]),
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
          { v: 1, broker, instruments: [{ id: '1' }], cachedOnly: true },
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
