// Migrations and row types shared by the behaviour suite. Migrations use Kysely<any>, as real ones must.
import type { Migration } from '@trading-system/storage';
import { type Generated, type Kysely, sql } from 'kysely';

export interface ItemsTable {
  id: Generated<string>; // bigserial → string
  sku: string;
  amount: string; // numeric
  qty: Generated<string>; // int8
  attrs: Generated<unknown>; // jsonb
  at: Generated<Date>; // timestamptz
  note: string | null;
}

export interface AccountsTable {
  id: number;
  balance: number;
}

export interface TestDb {
  items: ItemsTable;
  accounts: AccountsTable;
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against Kysely<any>, frozen in time
type AnyDb = Kysely<any>;

export const serviceMigrations: Record<string, Migration> = {
  '0001_init': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('sku', 'text', (c) => c.notNull().unique())
        .addColumn('amount', 'numeric', (c) => c.notNull())
        .addColumn('qty', 'int8', (c) => c.notNull().defaultTo(0))
        .addColumn('attrs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  '0002_accounts_and_note': {
    async up(db: AnyDb) {
      await db.schema.alterTable('items').addColumn('note', 'text').execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('balance', 'integer', (c) => c.notNull())
        .execute();
      // Raw SQL with an unqualified name: migrateToLatest's search_path resolves it to the service schema.
      await sql`create index items_at_idx on items (at)`.execute(db);
    },
  },
};

export const otherServiceMigrations: Record<string, Migration> = {
  '0001_other': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('items')
        .addColumn('label', 'text', (c) => c.primaryKey())
        .execute();
    },
  },
};
