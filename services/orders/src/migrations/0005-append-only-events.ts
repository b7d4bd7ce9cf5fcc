import { type Kysely, sql } from '@trading-system/storage';

/**
 * The ledger's order_events are append-only in the database itself, not only by convention of the code: a row may
 * not be deleted, truncated or changed, except `published_at`, which the outbox relay sets once JetStream has the
 * event (and a recovery may clear to publish again). An audit trail an operator (or a bug) can rewrite is no audit
 * trail. Refusals use SQLSTATE 55000 (object_not_in_prerequisite_state) with a message naming the rule.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function order_events_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and (to_jsonb(new) - 'published_at') = (to_jsonb(old) - 'published_at') then
        return new;
      end if;
      raise exception 'order_events is append-only: % refused (only published_at may change)', tg_op
        using errcode = '55000', hint = 'Record a correction as a new event instead of changing the trail.';
    end
    $$`.execute(db);
  await sql`
    create trigger order_events_append_only before update or delete on order_events
      for each row execute function order_events_append_only()`.execute(db);
  await sql`
    create trigger order_events_no_truncate before truncate on order_events
      for each statement execute function order_events_append_only()`.execute(db);
}
