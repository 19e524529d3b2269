import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LeaderLock } from '../src/runtime/database/leader-lock.js';

/** Two replicas' locks on one PostgreSQL, as two API processes would have. */
describe(LeaderLock.name, () => {
  const sources: DataSource[] = [];
  const sessions: pg.Pool[] = [];
  let replicas: LeaderLock[];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      sources.push(await new DataSource({ type: 'postgres', url: inject('databaseUrl'), poolSize: 2 }).initialize());
      sessions.push(new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 }));
    }
    replicas = sessions.map((pool) => new LeaderLock(pool));
  });
  afterAll(async () => {
    await Promise.all([...sources.map((db) => db.destroy()), ...sessions.map((pool) => pool.end())]);
  });

  it('lets one replica run a job while the other skips it, and the other take over afterwards', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = replicas[0].runExclusive('test-job', async () => {
      started();
      await held;
    });
    await running;
    let secondRan = false;
    expect(await replicas[1].runExclusive('test-job', async () => void (secondRan = true))).toBe(false);
    expect(secondRan).toBe(false);
    // Another job is not blocked by this one.
    expect(await replicas[1].runExclusive('other-job', async () => undefined)).toBe(true);
    release();
    expect(await first).toBe(true);
    expect(await replicas[1].runExclusive('test-job', async () => void (secondRan = true))).toBe(true);
    expect(secondRan).toBe(true);
  });

  it('frees the lock when the job throws', async () => {
    await expect(
      replicas[0].runExclusive('failing-job', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await replicas[1].runExclusive('failing-job', async () => undefined)).toBe(true);
  });

  it("runs a job whose work needs the database's only connection: the lock's session is not one of the work's", async () => {
    // One connection for the work, as DATABASE_POOL_SIZE=1 gives: locks that took it would wait for ever.
    const work = await new DataSource({ type: 'postgres', url: inject('databaseUrl'), poolSize: 1 }).initialize();
    try {
      const passes = Array.from({ length: 4 }, (_, i) =>
        replicas[0].runExclusive(`pool-job-${i}`, async () => void (await work.query('SELECT pg_sleep(0.05)'))),
      );
      expect(await Promise.all(passes)).toEqual([true, true, true, true]);
    } finally {
      await work.destroy();
    }
  });

  it("frees the lock when the leader's connection dies", async () => {
    const doomed = new pg.Pool({ connectionString: inject('databaseUrl'), max: 1 });
    doomed.on('error', () => undefined);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const leader = new LeaderLock(doomed).runExclusive('crash-job', async () => {
      started();
      await new Promise(() => undefined);
    });
    await running;
    expect(await replicas[1].runExclusive('crash-job', async () => undefined)).toBe(false);
    const [{ pid }] = await sources[1].query(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = (hashtextextended('baton:job:crash-job', 0) & x'ffffffff'::bigint)::oid LIMIT 1`,
    );
    await sources[1].query('SELECT pg_terminate_backend($1)', [pid]);
    void leader.catch(() => undefined);
    await expect.poll(() => replicas[1].runExclusive('crash-job', async () => undefined), { timeout: 10_000 }).toBe(true);
    // Its pass never ends (its work waits for ever): end() would wait for its session to come back.
    void doomed.end().catch(() => undefined);
  });
});
