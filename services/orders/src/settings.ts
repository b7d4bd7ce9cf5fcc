/**
 * Operator settings: the trading state (kill switch) and the risk limit sets. Held in memory for the checks and
 * persisted in the settings table, so a restart keeps what an operator set.
 */
import type {
  RiskLimitsReply,
  RiskLimitsRequest,
  TradingState,
  TradingStateReply,
  TradingStateRequest,
} from '@trading-system/contracts';
import type { OmsContext, Settings } from './context.js';
import type { Db } from './ledger.js';
import { type RiskConfig, withShippedLimits } from './risk-checks.js';

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function loadSettings(db: Db, initialRisk: RiskConfig, nowMs: number): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const get = (k: string) => rows.find((r) => r.key === k)?.value;
  const state = get('tradingState');
  const risk = get('risk');
  return {
    tradingState:
      state === undefined ? { mode: 'active', changedBy: 'default', changedAtMs: nowMs } : json<TradingState>(state),
    risk: risk === undefined ? initialRisk : keepShipped(json<RiskConfig>(risk), initialRisk),
  };
}

/** Stored limits (possibly from before shipped limits existed) keep the shipped limits the start config carries. */
function keepShipped(stored: RiskConfig, initial: RiskConfig): RiskConfig {
  return { ...stored, default: withShippedLimits(stored.default, initial.default) };
}

async function store(ctx: OmsContext, key: string, value: unknown): Promise<void> {
  const now = String(ctx.clock());
  await ctx.db
    .insertInto('settings')
    .values({ key, value: JSON.stringify(value), updated_at_ms: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at_ms: now }))
    .execute();
}

export async function handleTradingState(ctx: OmsContext, req: TradingStateRequest): Promise<TradingStateReply> {
  if (req.set !== undefined) {
    const next: TradingState = { ...req.set, changedAtMs: ctx.clock() };
    await store(ctx, 'tradingState', next);
    ctx.settings.tradingState = next;
    ctx.logger.warn({ tradingState: next }, 'trading state changed');
  }
  return { v: 1, ok: true, state: ctx.settings.tradingState };
}

export async function handleRiskLimits(ctx: OmsContext, req: RiskLimitsRequest): Promise<RiskLimitsReply> {
  const scope = req.scope ?? {};
  if (scope.account !== undefined && scope.strategy !== undefined)
    return { v: 1, ok: false, code: 'VALIDATION_FAILED', message: 'scope names an account or a strategy, not both' };
  const current = ctx.settings.risk;
  if (req.set !== undefined) {
    const next: RiskConfig =
      scope.account !== undefined
        ? { ...current, accounts: { ...current.accounts, [scope.account]: req.set } }
        : scope.strategy !== undefined
          ? { ...current, strategies: { ...current.strategies, [scope.strategy]: req.set } }
          : { ...current, default: withShippedLimits(req.set) };
    await store(ctx, 'risk', next);
    ctx.settings.risk = next;
    ctx.logger.warn({ scope, limits: req.set }, 'risk limits changed');
  }
  const r = ctx.settings.risk;
  const limits =
    scope.account !== undefined
      ? (r.accounts[scope.account] ?? {})
      : scope.strategy !== undefined
        ? (r.strategies[scope.strategy] ?? {})
        : r.default;
  return { v: 1, ok: true, limits };
}
