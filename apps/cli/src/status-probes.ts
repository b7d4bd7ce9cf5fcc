/**
 * The probes behind `status`: one request per part of the system, each with its own deadline, answered or not.
 * A probe never throws; it reports what it saw.
 */
import type { Bus } from '@trading-system/bus';
import { serviceClients } from '@trading-system/clients';
import { type BrokerDetails, type BrokerNotice, ContractError, registryCodeOf } from '@trading-system/contracts';

export type ProbeState = 'ok' | 'degraded' | 'down';

export interface ProbeResult {
  readonly component: string;
  readonly state: ProbeState;
  readonly detail: string;
  /** Round trip of the probe request, ms (absent when it did not answer). */
  readonly latencyMs?: number;
}

async function probe<R>(
  component: string,
  ask: () => Promise<R>,
  judge: (reply: R) => { state: ProbeState; detail: string },
): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const reply = await ask();
    return { component, ...judge(reply), latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const code = registryCodeOf(err);
    if (code === 'NO_RESPONDERS') return { component, state: 'down', detail: 'no responder' };
    if (code === 'TIMEOUT') return { component, state: 'down', detail: 'no answer (timeout)' };
    // It answered, with an error of its own: up, but not well.
    if (err instanceof ContractError) {
      const latencyMs = Math.round(performance.now() - started);
      return { component, state: 'degraded', detail: `${err.code}: ${err.message}`, latencyMs };
    }
    return { component, state: 'down', detail: String(err) };
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
  const clients = serviceClients(bus, { timeoutMs });
  return Promise.all([
    probe(
      `broker ${broker} (gateway)`,
      () => clients.brokers.call(broker, 'status', { v: 1 }),
      (r) => {
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
      () => clients.orders.tradingState({ v: 1 }),
      (r) => ({
        state: r.state.mode === 'active' ? 'ok' : 'degraded',
        detail: `trading ${r.state.mode}${r.state.reason === undefined ? '' : ` (${r.state.reason})`}`,
      }),
    ),
    probe(
      'market-data',
      // A cache-only snapshot: answered by market-data itself, no broker round trip.
      () => clients.marketData.snapshot({ v: 1, broker, instruments: [{ id: '1' }], cachedOnly: true }),
      () => ({ state: 'ok', detail: 'answers md.snapshot' }),
    ),
    probe(
      'history',
      () => clients.history.orders({ v: 1, query: { broker, limit: 1 } }),
      () => ({ state: 'ok', detail: 'answers hist.orders' }),
    ),
  ]);
}
