/**
 * A throwaway database set up as compose sets up its own: the service roles of infra/postgres/roles.psql (with
 * names unique to the test, roles being cluster-wide), each owning its schema, passwords in files the services read
 * through DATABASE_PASSWORD_FILE. The shared Postgres is only ever added to, never stopped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, sql } from '@trading-system/storage';
import { databaseUrl } from '@trading-system/testkit';
import { type RoleVariables, rolesStatements } from '../../postgres/roles.js';

/** The services with a Postgres role of their own. */
export type DatabaseService = 'orders' | 'history' | 'gateway-paper';
const roleKey = (service: DatabaseService) => service.replace('-', '_') as 'orders' | 'history' | 'gateway_paper';

export interface ServiceDatabase {
  /** Name of the database. */
  readonly name: string;
  readonly roles: RoleVariables;
  /** Superuser URL of the test database (for the test's own checks). */
  readonly adminUrl: string;
  /** What a service gets: DATABASE_URL without password, DATABASE_PASSWORD_FILE with it. */
  envFor(service: DatabaseService, via?: { host: string; port: number }): Record<string, string>;
  /** Drops the database (forcing connections out) and the roles. */
  drop(): Promise<void>;
}

export async function createServiceDatabase(prefix = 'sys'): Promise<ServiceDatabase> {
  const base = await databaseUrl();
  const id = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const name = `${prefix}_${id}`;
  const roles: RoleVariables = {
    app_database: name,
    orders_role: `orders_${id}`,
    orders_schema: 'orders',
    orders_password: randomBytes(12).toString('base64url'),
    history_role: `history_${id}`,
    history_schema: 'history',
    history_password: randomBytes(12).toString('base64url'),
    gateway_paper_role: `gateway_paper_${id}`,
    gateway_paper_schema: 'paper',
    gateway_paper_password: randomBytes(12).toString('base64url'),
  };
  const admin = await createDatabase({ kind: 'pg', url: base, poolMax: 1 });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  const adminUrl = Object.assign(new URL(base), { pathname: `/${name}` }).href;
  const db = await createDatabase({ kind: 'pg', url: adminUrl, poolMax: 1 });
  try {
    for (const statement of rolesStatements(roles)) await sql.raw(statement).execute(db.db);
  } finally {
    await db.close();
  }
  const dir = mkdtempSync(join(tmpdir(), 'pg-secrets-'));
  const passwordFile = (service: DatabaseService) => {
    const file = join(dir, `${service}.password`);
    writeFileSync(file, `${roles[`${roleKey(service)}_password`]}\n`, { mode: 0o600 });
    return file;
  };
  const files = {
    orders: passwordFile('orders'),
    history: passwordFile('history'),
    'gateway-paper': passwordFile('gateway-paper'),
  };
  return {
    name,
    roles,
    adminUrl,
    envFor(service, via) {
      const url = new URL(adminUrl);
      url.username = roles[`${roleKey(service)}_role`];
      url.password = '';
      if (via !== undefined) {
        url.hostname = via.host;
        url.port = String(via.port);
      }
      return { DATABASE_URL: url.href, DATABASE_PASSWORD_FILE: files[service] };
    },
    async drop() {
      const a = await createDatabase({ kind: 'pg', url: base, poolMax: 1 });
      try {
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(a.db);
        for (const role of [roles.orders_role, roles.history_role, roles.gateway_paper_role])
          await sql`drop role if exists ${sql.id(role)}`.execute(a.db);
      } finally {
        await a.close();
      }
    },
  };
}
