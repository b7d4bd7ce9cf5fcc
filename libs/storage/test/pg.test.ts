import { sql } from '@trading-system/storage';
import { databaseUrl, openPgTestDatabase, poll } from '@trading-system/testkit';
import pg from 'pg';
import { expect, test } from 'vitest';
import { runStorageSuite } from './behaviour.js';
import type { TestDb } from './fixtures.js';

runStorageSuite('Postgres (pg)', () => openPgTestDatabase<TestDb>());

test('SELECT ... FOR UPDATE makes a second transaction wait until the first commits, then see its write', async () => {
  const t = await openPgTestDatabase<TestDb>();
  try {
    const accounts = sql.table(`${t.schema}.accounts`);
    await sql`create table ${accounts} (id int primary key, balance int not null)`.execute(t.db);
    await sql`insert into ${accounts} values (1, 100)`.execute(t.db);

    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstLocked!: (pid: number) => void;
    const firstHasLock = new Promise<number>((resolve) => {
      firstLocked = resolve;
    });

    const first = t.db.transaction().execute(async (trx) => {
      await sql`select balance from ${accounts} where id = 1 for update`.execute(trx);
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      firstLocked(rows[0]!.pid);
      await firstMayCommit;
      await sql`update ${accounts} set balance = balance - 30 where id = 1`.execute(trx);
    });
    const blockerPid = await firstHasLock;

    const second = t.db.transaction().execute(async (trx) => {
      const { rows: pidRows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      const { rows } = await sql<{ balance: number }>`select balance from ${accounts} where id = 1 for update`.execute(
        trx,
      );
      return { pid: pidRows[0]!.pid, balance: rows[0]!.balance };
    });

    // Await the observable fact that the second transaction is blocked by the first, then let the first finish.
    await poll(
      'the second transaction to block on the row lock',
      async () => {
        const { rows } = await sql<{ n: string }>`
          select count(*) as n from pg_stat_activity where ${blockerPid} = any(pg_blocking_pids(pid))`.execute(t.db);
        return rows[0]!.n === '1';
      },
      { timeoutMs: 10_000, intervalMs: 1 },
    );
    releaseFirst();
    await first;
    const seen = await second;
    expect(seen.pid).not.toBe(blockerPid);
    expect(seen.balance).toBe(70);
  } finally {
    await t.close();
  }
});

test('type parsing is set per pool: a plain pg client in the same process keeps pg defaults', async () => {
  const t = await openPgTestDatabase<TestDb>();
  const plain = new pg.Client({ connectionString: await databaseUrl() });
  await plain.connect();
  try {
    const query = "select array[1.5]::numeric[] as nums, '2024-02-29'::date as d";
    const ours = await sql.raw<{ nums: unknown; d: unknown }>(query).execute(t.db);
    expect(ours.rows[0]).toEqual({ nums: ['1.5'], d: '2024-02-29' });
    const theirs = await plain.query(query);
    expect(theirs.rows[0].nums).toEqual([1.5]);
    expect(theirs.rows[0].d).toBeInstanceOf(Date);
  } finally {
    await plain.end();
    await t.close();
  }
});
