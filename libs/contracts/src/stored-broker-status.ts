/**
 * The BrokerStatus of the previous version, read only. Until the broker-neutral status, gateway-ib's status carried
 * IB's words (`farms`, `lastCode`/`lastCodeMessage`/`lastCodeAtMs`, `clientId`, `serverVersion`) and
 * gateway-paper/-alpaca filled them with placeholders. BROKER_STATUS keeps the last status per broker, so after an
 * upgrade a reader may get one written by the previous version (history's fallback while the gateway is down, a
 * dashboard, the CLI) until that broker's gateway publishes again, and a gateway not yet upgraded still publishes
 * it. BrokerStatus (broker-status.ts) accepts this shape and gives it in the current one, worded by the IB contract's
 * frozen tables (brokers/ib.ts). Nothing writes it any more; a new broker never adds here.
 */
import { z } from 'zod';
import { BrokerCapabilities } from './broker-capabilities.js';
import type { BrokerNotice, FeedStatus } from './broker-health.js';
import { LEGACY_IB_FEED_KINDS, LEGACY_IB_NOTICE_KINDS } from './brokers/ib.js';
import { AccountId, BrokerName, DurationMs, EpochMs, GatewayType, V1 } from './common.js';

export const PreviousBrokerStatus = z
  .object({
    v: V1,
    broker: BrokerName,
    gatewayType: GatewayType,
    state: z.enum(['connected', 'degraded', 'disconnected']),
    lastCode: z.int().optional(),
    lastCodeMessage: z.string().optional(),
    lastCodeAtMs: EpochMs.optional(),
    farms: z.array(
      z.object({
        name: z.string().min(1).max(64),
        kind: z.string(),
        state: z.enum(['ok', 'broken', 'inactive']),
        sinceMs: EpochMs,
      }),
    ),
    lastMessageAgeMs: DurationMs.optional(),
    clientId: z.int().nonnegative(),
    serverVersion: z.int().optional(),
    accounts: z.array(AccountId),
    paper: z.boolean(),
    tsMs: EpochMs,
    instanceId: z.string().min(1).max(64).optional(),
    session: z.int().nonnegative().optional(),
    capabilities: BrokerCapabilities.optional(),
  })
  .meta({ description: 'The status of the previous version (IB words): read, never written.' });
export type PreviousBrokerStatus = z.infer<typeof PreviousBrokerStatus>;

/** A previous-version status in the current words (the fields of broker-status.ts's CurrentBrokerStatus). */
export function currentFromPrevious(p: PreviousBrokerStatus) {
  const { farms, lastCode, lastCodeMessage, lastCodeAtMs, clientId, serverVersion, ...rest } = p;
  const feeds: FeedStatus[] = farms.map((f) => ({
    name: f.name,
    kind: LEGACY_IB_FEED_KINDS[f.kind] ?? 'market',
    state: f.state,
    sinceMs: f.sinceMs,
  }));
  const atMs = lastCodeAtMs ?? p.tsMs;
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
  return {
    ...rest,
    feeds,
    ...(notice === undefined ? {} : { notice }),
    ...(wasIb
      ? { details: { type: 'ib' as const, clientId, ...(serverVersion === undefined ? {} : { serverVersion }) } }
      : {}),
  };
}
