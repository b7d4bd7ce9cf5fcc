/**
 * Reading a BrokerStatus in any shape a gateway ever published it. Until the broker-neutral status, gateway-ib's
 * status carried IB's words (`farms`, `lastCode`/`lastCodeMessage`/`lastCodeAtMs`, `clientId`, `serverVersion`) and
 * gateway-paper/-alpaca filled them with placeholders. BROKER_STATUS keeps the last status per broker, so after an
 * upgrade a reader may get one written by the previous version (history's fallback while the gateway is down, a
 * dashboard or CLI reading the stream) until that broker's gateway publishes again. This reads both: the old shape
 * is worded in the new (feeds, notice, details) by the IB contract's frozen tables (brokers/ib.ts). Nothing writes
 * the old shape any more.
 */
import type { BrokerNotice, FeedStatus } from './broker-health.js';
import { BrokerStatus } from './broker-status.js';
import { LEGACY_IB_FEED_KINDS, LEGACY_IB_NOTICE_KINDS } from './brokers/ib.js';

type Legacy = Record<string, unknown> & {
  farms?: Array<{ name: string; kind: string; state: FeedStatus['state']; sinceMs: number }>;
  lastCode?: number;
  lastCodeMessage?: string;
  lastCodeAtMs?: number;
  clientId?: number;
  serverVersion?: number;
  tsMs?: number;
};

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The status in the current shape; undefined when `raw` is no BrokerStatus of any version. */
export function brokerStatusOf(raw: unknown): BrokerStatus | undefined {
  if (!isRecord(raw)) return undefined;
  const current = BrokerStatus.safeParse(raw);
  if (current.success) return current.data;
  if (!('farms' in raw) && !('clientId' in raw)) return undefined;
  const { farms, lastCode, lastCodeMessage, lastCodeAtMs, clientId, serverVersion, ...rest } = raw as Legacy;
  const feeds: FeedStatus[] = (farms ?? []).map((f) => ({
    name: f.name,
    kind: LEGACY_IB_FEED_KINDS[f.kind] ?? 'market',
    state: f.state,
    sinceMs: f.sinceMs,
  }));
  const atMs = lastCodeAtMs ?? (typeof rest.tsMs === 'number' ? rest.tsMs : 0);
  let notice: BrokerNotice | undefined;
  if (lastCode !== undefined)
    notice = {
      kind: LEGACY_IB_NOTICE_KINDS[lastCode] ?? 'other',
      code: String(lastCode),
      message: lastCodeMessage ?? '',
      atMs,
    };
  else if (lastCodeMessage !== undefined) notice = { kind: 'other', code: 'message', message: lastCodeMessage, atMs };
  // Only gateway-ib wrote IB codes, farms or a server version; paper and alpaca wrote clientId 0 and nothing else.
  const wasIb = lastCode !== undefined || serverVersion !== undefined || feeds.length > 0;
  const upgraded = BrokerStatus.safeParse({
    ...rest,
    feeds,
    ...(notice === undefined ? {} : { notice }),
    ...(wasIb && clientId !== undefined
      ? { details: { type: 'ib', clientId, ...(serverVersion === undefined ? {} : { serverVersion }) } }
      : {}),
  });
  return upgraded.success ? upgraded.data : undefined;
}
