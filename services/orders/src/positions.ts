/** Ledger-derived figures: positions from fills (exact NUMERIC sums in SQL) and open-order counts. */
import { normalizeDecimal } from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import { type Db, FINAL_STATES, type Trx } from './ledger.js';

const signedQty = sql<string>`sum(case when side = 'BUY' then quantity else -quantity end)`;

/** Signed position of an account in one instrument, from the fills in the ledger ("0" when flat). */
export async function ledgerPosition(db: Db | Trx, broker: string, account: string, conId: number): Promise<string> {
  const row = await db
    .selectFrom('fills')
    .select(signedQty.as('qty'))
    .where('broker', '=', broker)
    .where('account', '=', account)
    .where('con_id', '=', conId)
    .executeTakeFirst();
  return row?.qty === null || row?.qty === undefined ? '0' : normalizeDecimal(row.qty);
}

export interface LedgerPosition {
  readonly broker: string;
  readonly account: string;
  readonly conId: number;
  readonly quantity: string;
  /** Σ signed (price × quantity) of the fills, for the average cost of an open position. */
  readonly signedNotional: string;
}

export async function ledgerPositions(
  db: Db,
  filter: { broker?: string; account?: string },
): Promise<LedgerPosition[]> {
  let q = db
    .selectFrom('fills')
    .select(['broker', 'account', 'con_id'])
    .select(signedQty.as('qty'))
    .select(sql<string>`sum(case when side = 'BUY' then price * quantity else -(price * quantity) end)`.as('notional'))
    .groupBy(['broker', 'account', 'con_id'])
    .orderBy('broker')
    .orderBy('account')
    .orderBy('con_id');
  if (filter.broker !== undefined) q = q.where('broker', '=', filter.broker);
  if (filter.account !== undefined) q = q.where('account', '=', filter.account);
  const rows = await q.execute();
  return rows.map((r) => ({
    broker: r.broker,
    account: r.account,
    conId: r.con_id,
    quantity: normalizeDecimal(r.qty),
    signedNotional: normalizeDecimal(r.notional),
  }));
}

export async function countOpenOrders(db: Db, filter: { account?: string; strategy?: string }): Promise<number> {
  let q = db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('state', 'not in', [...FINAL_STATES]);
  if (filter.account !== undefined) q = q.where('account', '=', filter.account);
  if (filter.strategy !== undefined) q = q.where('strategy', '=', filter.strategy);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}
