import { type Kysely, sql } from '@trading-system/storage';

/**
 * The ledger's position of each (broker, account, instrument id), kept by the database beside the fills it sums.
 * A submit's risk checks read the account's position; summed from `fills` on every submit that read grew with the
 * ledger (65 ms per submit with 300,000 fills in the account, against 0.03 ms for the open-order counts, which an
 * index answers), so an account that had traded for a year paid for its whole history on every new order.
 *
 * Triggers on `fills` keep it, so no writer of fills (the broker-event writer, reconciliation, an operator's
 * correction) can leave the two apart: the signed quantity (BUY +, SELL −) and signed notional (price × quantity,
 * same signs) of every inserted row are added, of every deleted row taken away, an update is both; a truncate of
 * fills empties it. Exact NUMERIC sums, as the aggregate over fills gives. Existing fills are summed once here.
 *
 * `set search_path from current`: the trigger runs inside whatever statement wrote the fill, on a connection whose
 * search_path may not name the service schema (queries are schema-qualified by the client); the function keeps the
 * schema this migration ran in.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table ledger_positions (
      broker text not null,
      account text not null,
      instrument_id text not null,
      quantity numeric not null,
      notional numeric not null,
      primary key (broker, account, instrument_id)
    )`.execute(db);
  // One upsert per (broker, account, instrument) a statement touched, from its transition tables: a row-level
  // trigger updated the same position row once per fill, and a statement inserting many fills of one instrument
  // then walked an ever longer chain of that row's versions (300,000 fills in one statement: 257 s). Keys in order,
  // so two statements lock the rows they share in the same order; on an update or delete, keys whose sums did not
  // move (a commission recorded) are not written.
  const upsert = (signed: string, onlyMoved: boolean) => `
      insert into ledger_positions as p (broker, account, instrument_id, quantity, notional)
      select broker, account, instrument_id, sum(q), sum(n)
        from (${signed}) d
       group by broker, account, instrument_id
      ${onlyMoved ? 'having sum(q) <> 0 or sum(n) <> 0' : ''}
       order by broker, account, instrument_id
      on conflict (broker, account, instrument_id)
      do update set quantity = p.quantity + excluded.quantity, notional = p.notional + excluded.notional`;
  // A row exists exactly while fills of its key do, as the sum over fills has a row: a key whose last fill was
  // deleted (or moved to another key) goes.
  const dropEmptied = `
      delete from ledger_positions p
       using (select distinct broker, account, instrument_id from old_fills) o
       where p.broker = o.broker and p.account = o.account and p.instrument_id = o.instrument_id
         and not exists (select 1 from fills f
                          where f.broker = o.broker and f.account = o.account and f.instrument_id = o.instrument_id)`;
  const rows = (table: string, sign: 1 | -1) => `
        select broker, account, instrument_id,
               ${sign} * (case when side = 'BUY' then quantity else -quantity end) as q,
               ${sign} * (case when side = 'BUY' then price * quantity else -(price * quantity) end) as n
          from ${table}`;
  await sql`
    create function fills_keep_positions() returns trigger language plpgsql set search_path from current as $$
    begin
      if tg_op = 'TRUNCATE' then
        delete from ledger_positions;
      elsif tg_op = 'INSERT' then
        ${sql.raw(upsert(rows('new_fills', 1), false))};
      elsif tg_op = 'DELETE' then
        ${sql.raw(upsert(rows('old_fills', -1), true))};
        ${sql.raw(dropEmptied)};
      else
        ${sql.raw(upsert(`${rows('old_fills', -1)} union all ${rows('new_fills', 1)}`, true))};
        -- Only a key some fill left, and no fill of the statement has now, can have become empty; a commission
        -- recorded (the common update) moves no fill and skips the look at fills.
        if exists (select broker, account, instrument_id from old_fills
                   except select broker, account, instrument_id from new_fills) then
          ${sql.raw(dropEmptied)};
        end if;
      end if;
      return null;
    end
    $$`.execute(db);
  // A trigger with transition tables serves one event.
  await sql`
    create trigger fills_positions_insert after insert on fills referencing new table as new_fills
      for each statement execute function fills_keep_positions()`.execute(db);
  await sql`
    create trigger fills_positions_delete after delete on fills referencing old table as old_fills
      for each statement execute function fills_keep_positions()`.execute(db);
  await sql`
    create trigger fills_positions_update after update on fills referencing old table as old_fills new table as new_fills
      for each statement execute function fills_keep_positions()`.execute(db);
  await sql`
    create trigger fills_positions_truncate after truncate on fills
      for each statement execute function fills_keep_positions()`.execute(db);
  // The fills already in the ledger, summed as the insert trigger sums a statement's.
  await sql.raw(upsert(rows('fills', 1), false)).execute(db);
}
