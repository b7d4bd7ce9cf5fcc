/**
 * Ledger-derived figures: positions from fills (exact NUMERIC sums in SQL) and open-order counts; and the comparison
 * of ledger positions with a broker snapshot taken for it (`orders.positions`).
 */
import {
  addDecimal,
  ContractError,
  compareDecimal,
  type ErrorCode,
  normalizeDecimal,
  type Position,
  type PositionDifference,
} from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import type { BrokerClient } from './broker-client.js';
import { type Db, FINAL_STATES, type Trx } from './ledger.js';

/**
 * Signed position of an account in one instrument, from the fills in the ledger ("0" when flat), for the pre-trade
 * risk checks. Fills recorded under an older id of the instrument (before its gateway renamed it) count too: each
 * other id the account's fills name is mapped by `currentIdOf`, the mapping `orders.positions` merges rows by, so a
 * max-position or reducing-only decision sees the same position the positions query shows. Ids are asked of the
 * gateway once (cached), in flight together; an id it cannot map stays as recorded (not this instrument).
 */
export async function ledgerPosition(
  db: Db | Trx,
  brokers: BrokerClient,
  broker: string,
  account: string,
  instrumentId: string,
): Promise<string> {
  const rows = await positionRows(db, broker, account).execute();
  return positionOf(brokers, broker, instrumentId, rows);
}

/**
 * The account's signed quantity per instrument id its fills name: the sums a trigger on fills keeps (migration
 * 0012), one row per instrument — not the fills themselves, which a year of trading makes hundreds of thousands.
 */
const positionRows = (db: Db | Trx, broker: string, account: string) =>
  db
    .selectFrom('ledger_positions')
    .select(['instrument_id', 'quantity as qty'])
    .where('broker', '=', broker)
    .where('account', '=', account);

/** The position in `instrumentId` from the per-id rows, older ids mapped by `currentIdOf`. */
async function positionOf(
  brokers: BrokerClient,
  broker: string,
  instrumentId: string,
  rows: readonly { instrument_id: string; qty: string }[],
): Promise<string> {
  const counted = await Promise.all(
    rows.map(async (r) =>
      r.instrument_id === instrumentId || (await currentIdOf(brokers, broker, r.instrument_id)) === instrumentId
        ? r.qty
        : '0',
    ),
  );
  return normalizeDecimal(counted.reduce((sum, q) => addDecimal(sum, q), '0'));
}

/** What a submit reads before its risk checks. */
export interface SubmitReads {
  /** The clientOrderId is already in the ledger (a repeat). */
  readonly exists: boolean;
  /** Signed position of the account in the instrument (ledgerPosition). */
  readonly position: string;
  readonly accountOpen: number;
  /** 0 without a strategy. */
  readonly strategyOpen: number;
}

/**
 * A submit's reads in ONE statement: whether its clientOrderId is taken, the account's position in the instrument,
 * and the open orders of its account and strategy. Four queries side by side took four pool connections and
 * ~1.6-2.2 ms; one is one round trip. The position is the same figure as ledgerPosition (same rows, same mapping).
 */
export async function submitReads(
  db: Db,
  brokers: BrokerClient,
  q: {
    readonly clientOrderId: string;
    readonly broker: string;
    readonly account: string;
    readonly instrumentId: string;
    readonly strategy: string | undefined;
  },
): Promise<SubmitReads> {
  const { strategy } = q;
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .exists(db.selectFrom('orders').select('client_order_id').where('client_order_id', '=', q.clientOrderId))
        .as('exists'),
      eb
        .selectFrom(positionRows(db, q.broker, q.account).as('p'))
        .select(
          sql<
            { instrument_id: string; qty: string }[]
          >`coalesce(json_agg(json_build_object('instrument_id', p.instrument_id, 'qty', p.qty::text)), '[]')`.as(
            'rows',
          ),
        )
        .as('positions'),
      openOrderCount(db, { account: q.account }).as('account_open'),
      (strategy === undefined ? sql<string>`0` : openOrderCount(db, { strategy })).as('strategy_open'),
    ])
    .executeTakeFirstOrThrow();
  const rows = typeof row.positions === 'string' ? JSON.parse(row.positions) : (row.positions ?? []);
  return {
    exists: row.exists === true,
    position: await positionOf(brokers, q.broker, q.instrumentId, rows),
    accountOpen: Number(row.account_open),
    strategyOpen: Number(row.strategy_open),
  };
}

export interface LedgerPosition {
  readonly broker: string;
  readonly account: string;
  readonly instrumentId: string;
  readonly quantity: string;
  /** Σ signed (price × quantity) of the fills, for the average cost of an open position. */
  readonly signedNotional: string;
}

export async function ledgerPositions(
  db: Db,
  filter: { broker?: string; account?: string },
): Promise<LedgerPosition[]> {
  // The sums the triggers on fills keep (migration 0012): a row exactly while the key has fills, as the sum over
  // fills had, without reading every fill of the ledger on each request.
  let q = db
    .selectFrom('ledger_positions')
    .select(['broker', 'account', 'instrument_id', 'quantity', 'notional'])
    .orderBy('broker')
    .orderBy('account')
    .orderBy('instrument_id');
  if (filter.broker !== undefined) q = q.where('broker', '=', filter.broker);
  if (filter.account !== undefined) q = q.where('account', '=', filter.account);
  const rows = await q.execute();
  return rows.map((r) => ({
    broker: r.broker,
    account: r.account,
    instrumentId: r.instrument_id,
    quantity: normalizeDecimal(r.quantity),
    signedNotional: normalizeDecimal(r.notional),
  }));
}

/** The count of open orders of an account or a strategy, as a sub-select. */
function openOrderCount(db: Db, filter: { account?: string; strategy?: string }) {
  let q = db.selectFrom('orders').where('state', 'not in', [...FINAL_STATES]);
  if (filter.account !== undefined) q = q.where('account', '=', filter.account);
  if (filter.strategy !== undefined) q = q.where('strategy', '=', filter.strategy);
  return q.select((eb) => eb.fn.countAll<string>().as('n'));
}

/**
 * The broker's positions right now, from its gateway (`broker.<b>.cmd.positions`: the gateway's mirror of IB's
 * position subscription, which IB updates on every change), never a stored copy: a comparison with positions the
 * broker reported some time ago reports differences that are not there and misses those that are. A broker that
 * does not answer is an error, retryable, never an empty list (which would read as "flat at the broker").
 */
export async function brokerPositionsSnapshot(brokers: BrokerClient, broker: string): Promise<Position[]> {
  const outcome = await brokers.call(broker, 'positions', { v: 1 });
  if (outcome.kind === 'sent') return outcome.reply.positions.filter((p) => p.broker === broker);
  const what = `broker ${broker} did not answer a positions snapshot`;
  if (outcome.kind === 'unknown')
    throw new BrokerSnapshotUnavailableError('TIMEOUT', `${what}: ${outcome.message}`, broker);
  // No gateway for it: the broker is out of reach, as when its socket is down.
  if (outcome.code === 'NO_RESPONDERS')
    throw new BrokerSnapshotUnavailableError('BROKER_DISCONNECTED', `${what}: ${outcome.message}`, broker);
  // The gateway's own refusal (BROKER_DISCONNECTED, TIMEOUT while IB's position download runs, ...) as it said it.
  throw new BrokerSnapshotUnavailableError(outcome.code, `${what}: ${outcome.message}`, broker);
}

/** No positions snapshot from a broker, so no comparison: the code says whether asking again may help. */
export class BrokerSnapshotUnavailableError extends ContractError {
  override readonly name = 'BrokerSnapshotUnavailableError';
  constructor(
    code: ErrorCode,
    message: string,
    readonly broker: string,
  ) {
    super(code, message, { details: { broker } });
  }
}

/**
 * Differences per broker, account and instrument between ledger and broker quantities, compared as exact decimals
 * ("0" where one side has none), sorted by broker, account, instrumentId. Only the brokers in `compared` are compared.
 */
export function positionDifferences(
  ledger: readonly Pick<Position, 'broker' | 'account' | 'instrumentId' | 'quantity'>[],
  broker: readonly Pick<Position, 'broker' | 'account' | 'instrumentId' | 'quantity'>[],
  compared: ReadonlySet<string>,
): PositionDifference[] {
  const key = (p: { broker: string; account: string; instrumentId: string }) =>
    `${p.broker}\u0000${p.account}\u0000${p.instrumentId}`;
  const rows = new Map<string, PositionDifference>();
  const row = (p: { broker: string; account: string; instrumentId: string }) => {
    const k = key(p);
    let r = rows.get(k);
    if (r === undefined) {
      r = {
        broker: p.broker,
        account: p.account,
        instrumentId: p.instrumentId,
        ledgerQuantity: '0',
        brokerQuantity: '0',
      };
      rows.set(k, r);
    }
    return r;
  };
  for (const p of ledger) if (compared.has(p.broker)) row(p).ledgerQuantity = normalizeDecimal(p.quantity);
  for (const p of broker) if (compared.has(p.broker)) row(p).brokerQuantity = normalizeDecimal(p.quantity);
  return [...rows.values()]
    .filter((d) => compareDecimal(d.ledgerQuantity, d.brokerQuantity) !== 0)
    .sort((a, b) =>
      a.broker !== b.broker
        ? a.broker < b.broker
          ? -1
          : 1
        : a.account !== b.account
          ? a.account < b.account
            ? -1
            : 1
          : a.instrumentId < b.instrumentId
            ? -1
            : a.instrumentId > b.instrumentId
              ? 1
              : 0,
    );
}

/** A ledger position under the instrument's current id, with every id its fills were recorded under. */
export interface CanonicalLedgerPosition extends LedgerPosition {
  /** The ids the ledger holds fills of this instrument under (the current one, and older ones it replaced). */
  readonly recordedAs: readonly string[];
}

/** Current id per (broker, recorded id), learned from the brokers' gateways: ids are stable, so never forgotten. */
const currentIds = new WeakMap<BrokerClient, Map<string, string>>();

/**
 * The id the broker's gateway now gives the instrument a ledger row was recorded under: a gateway that renamed its
 * instruments keeps the old ids as aliases (gateway-alpaca: the hashed ids of the version before, now the asset
 * UUID), and qualifying by an alias answers the instrument under its current id. An id the broker no longer knows,
 * or a broker that does not answer now, leaves the id as recorded (asked again next time).
 */
async function currentIdOf(brokers: BrokerClient, broker: string, id: string): Promise<string> {
  let known = currentIds.get(brokers);
  if (known === undefined) {
    known = new Map();
    currentIds.set(brokers, known);
  }
  const key = `${broker}\u0000${id}`;
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  const outcome = await brokers.call(broker, 'qualifyContract', { v: 1, instrument: { id }, allowMany: false });
  if (outcome.kind !== 'sent') return id;
  const current = outcome.reply.instruments[0]?.id ?? id;
  known.set(key, current);
  return current;
}

/**
 * Ledger positions merged per instrument: rows recorded under an older id of an instrument (fills before its
 * gateway renamed it) add to the row of its current id, so each instrument shows once and compares with the
 * broker's position, which is reported under the current id. Exact decimal sums; order as `ledgerPositions`.
 */
export async function canonicalLedgerPositions(
  brokers: BrokerClient,
  ledger: readonly LedgerPosition[],
): Promise<CanonicalLedgerPosition[]> {
  const merged = new Map<string, CanonicalLedgerPosition>();
  for (const p of ledger) {
    const instrumentId = await currentIdOf(brokers, p.broker, p.instrumentId);
    const key = `${p.broker}\u0000${p.account}\u0000${instrumentId}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen === undefined
        ? { ...p, instrumentId, recordedAs: [p.instrumentId] }
        : {
            ...seen,
            quantity: addDecimal(seen.quantity, p.quantity),
            signedNotional: addDecimal(seen.signedNotional, p.signedNotional),
            recordedAs: [...seen.recordedAs, p.instrumentId],
          },
    );
  }
  const order = (p: CanonicalLedgerPosition) => [p.broker, p.account, p.instrumentId] as const;
  return [...merged.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
    return 0;
  });
}
