/**
 * The quote the risk checks judge an order against (price collar, a market order's notional): the last tick the
 * OMS saw on md.tick.* for the instrument, or, when it has none and a limit in force needs one
 * (`referenceNeeded`), a snapshot from the broker (`broker.<b>.cmd.mdSnapshot`, delayed data accepted), kept for
 * SNAPSHOT_TTL_MS so a burst of orders costs one snapshot. With no quote either way the checks deny with
 * RISK_NO_REFERENCE_PRICE (retryable): a limit is never skipped for want of a price.
 */
import type { OmsContext } from './context.js';
import { checkRisk, type Quote, type RiskInput, referenceNeeded } from './risk-checks.js';
import type { Denial } from './validation.js';

/** How long a broker snapshot serves as the reference, ms. */
export const SNAPSHOT_TTL_MS = 10_000;

interface Snapshot {
  readonly quote: Quote;
  readonly atMs: number;
}

/**
 * Per OMS (keyed by its live state, so two OMS instances in one process never share them): the snapshots kept, and
 * the snapshot requests in flight — orders arriving together for an instrument with no quote (a burst after a
 * restart) share one request. Each asked on its own, and market data queues behind orders at the gateway's governor:
 * the burst's requests came back too late and its orders were denied RISK_NO_REFERENCE_PRICE.
 */
interface References {
  readonly kept: Map<string, Snapshot>;
  readonly asking: Map<string, Promise<Quote | undefined>>;
}
const perOms = new WeakMap<object, References>();

export async function referenceQuote(
  ctx: OmsContext,
  broker: string,
  instrumentId: string,
  needed: boolean,
): Promise<Quote | undefined> {
  const live = ctx.live.quote(broker, instrumentId);
  if (live !== undefined || !needed) return live;
  let refs = perOms.get(ctx.live);
  if (refs === undefined) {
    refs = { kept: new Map(), asking: new Map() };
    perOms.set(ctx.live, refs);
  }
  const key = `${broker}:${instrumentId}`;
  const kept = refs.kept.get(key);
  if (kept !== undefined && ctx.clock() - kept.atMs < SNAPSHOT_TTL_MS) return kept.quote;
  const { asking } = refs;
  let pending = asking.get(key);
  if (pending === undefined) {
    pending = askSnapshot(ctx, broker, instrumentId, refs.kept, key).finally(() => asking.delete(key));
    asking.set(key, pending);
  }
  return pending;
}

async function askSnapshot(
  ctx: OmsContext,
  broker: string,
  instrumentId: string,
  kept: Map<string, Snapshot>,
  key: string,
): Promise<Quote | undefined> {
  const outcome = await ctx.brokers.call(broker, 'mdSnapshot', {
    v: 1,
    instrument: { id: instrumentId },
    allowDelayed: true,
  });
  if (outcome.kind !== 'sent') {
    ctx.logger.debug({ broker, instrumentId, outcome }, 'no broker snapshot for a reference price');
    return undefined;
  }
  const { bid, ask, last } = outcome.reply.tick;
  const quote: Quote = { bid, ask, last };
  kept.set(key, { quote, atMs: ctx.clock() });
  return quote;
}

/** checkRisk with the reference quote looked up (and fetched from the broker when a limit needs one). */
export async function checkRiskWithQuote(
  ctx: OmsContext,
  broker: string,
  instrumentId: string,
  input: Omit<RiskInput, 'quote'>,
): Promise<Denial | undefined> {
  const quote = await referenceQuote(ctx, broker, instrumentId, referenceNeeded(input));
  return checkRisk({ ...input, quote });
}
