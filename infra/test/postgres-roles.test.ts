/**
 * infra/postgres/roles.psql on the test Postgres: one role per service, owning its schema, no superuser. Each role
 * runs its service's real migrations, and can reach nothing else: no new schema, no table of the other service, no
 * object in public, no role attributes beyond LOGIN. The services connect with DATABASE_URL + DATABASE_PASSWORD_FILE
 * as compose gives them.
 */
import { migrations as paperMigrations } from '@trading-system/gateway-paper';
import { migrations as historyMigrations } from '@trading-system/history';
import { checkDatabaseConfig, databaseConfigShape, databaseOptions, loadConfig } from '@trading-system/runtime';
import { createDatabase, type Database, migrateToLatest, sql } from '@trading-system/storage';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { migrations as ordersMigrations } from '../../services/orders/src/migrations/index.js';
import { createServiceDatabase, type DatabaseService, type ServiceDatabase } from './support/database.js';

const DbEnv = z.object(databaseConfigShape).superRefine(checkDatabaseConfig);

let database: ServiceDatabase;
const open: Database<unknown>[] = [];

/** A pool as the service's main.ts opens it: from its environment, the password read from the file. */
async function connectAs(service: DatabaseService): Promise<Database<unknown>> {
  const config = loadConfig(DbEnv, database.envFor(service));
  const db = await createDatabase<unknown>(databaseOptions(config, service));
  open.push(db);
  return db;
}

const denied = async (db: Database<unknown>, statement: string): Promise<string> => {
  const err = await sql
    .raw(statement)
    .execute(db.db)
    .then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
  expect(err, statement).toBeDefined();
  return `${err?.code}: ${err?.message}`;
};

beforeAll(async () => {
  database = await createServiceDatabase('roles');
}, 60_000);

afterAll(async () => {
  for (const db of open) await db.close();
  await database?.drop();
});

describe('service roles of infra/postgres/roles.psql', () => {
  test('each service migrates its own schema as its own role', async () => {
    const orders = await connectAs('orders');
    const history = await connectAs('history');
    expect(
      (await migrateToLatest(orders.db, { schema: 'orders', migrations: ordersMigrations })).length,
    ).toBeGreaterThan(0);
    expect(
      (await migrateToLatest(history.db, { schema: 'history', migrations: historyMigrations })).length,
    ).toBeGreaterThan(0);
    const paper = await connectAs('gateway-paper');
    expect((await migrateToLatest(paper.db, { schema: 'paper', migrations: paperMigrations })).length).toBeGreaterThan(
      0,
    );
    // Idempotent on restart: nothing pending, and no CREATE SCHEMA (which the role may not do) is attempted.
    expect(await migrateToLatest(orders.db, { schema: 'orders', migrations: ordersMigrations })).toEqual([]);
    const { rows } = await sql<{ current_user: string }>`select current_user`.execute(orders.db);
    expect(rows[0]?.current_user).toBe(database.roles.orders_role);
  });

  test('no role is a superuser or may create databases, roles or schemas', async () => {
    const admin = await createDatabase<unknown>({ kind: 'pg', url: database.adminUrl, poolMax: 1 });
    open.push(admin);
    const { rows } = await sql<{
      rolname: string;
      rolsuper: boolean;
      rolcreatedb: boolean;
      rolcreaterole: boolean;
      rolreplication: boolean;
      rolbypassrls: boolean;
    }>`select rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls from pg_roles
       where rolname in (${database.roles.orders_role}, ${database.roles.history_role},
         ${database.roles.gateway_paper_role}) order by rolname`.execute(admin.db);
    expect(rows).toHaveLength(3);
    for (const r of rows)
      expect(r, r.rolname).toMatchObject({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
      });
    const orders = await connectAs('orders');
    expect(await denied(orders, 'create schema sneaky')).toMatch(/^42501: permission denied/);
    expect(await denied(orders, 'create table public.sneaky (x int)')).toMatch(/^42501: permission denied/);
    expect(await denied(orders, 'create temporary table sneaky (x int)')).toMatch(/^42501: permission denied/);
  });

  test("a service cannot read or write the other's schema", async () => {
    const orders = await connectAs('orders');
    const history = await connectAs('history');
    expect(await denied(orders, 'select * from history.orders limit 1')).toMatch(/^42501: permission denied/);
    expect(await denied(orders, 'create table history.sneaky (x int)')).toMatch(/^42501: permission denied/);
    expect(await denied(history, 'select * from orders.orders limit 1')).toMatch(/^42501: permission denied/);
    expect(await denied(history, 'delete from orders.fills')).toMatch(/^42501: permission denied/);
    // The paper books are the paper gateway's alone, and it reaches no one else's.
    const paper = await connectAs('gateway-paper');
    expect(await denied(paper, 'select * from orders.orders limit 1')).toMatch(/^42501: permission denied/);
    expect(await denied(paper, 'select * from history.orders limit 1')).toMatch(/^42501: permission denied/);
    expect(await denied(orders, 'select * from paper.kysely_migration limit 1')).toMatch(/^42501: permission denied/);
    expect(await denied(paper, 'create schema sneaky')).toMatch(/^42501: permission denied/);
  });
});
