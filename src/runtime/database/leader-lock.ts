import type { DataSource } from 'typeorm';

/**
 * Leader election for periodic jobs across API replicas: a PostgreSQL session advisory lock per
 * job, held on one connection while the job runs. A replica that does not get it skips this
 * tick; a replica that dies mid-job loses its connection and with it the lock.
 */
export class LeaderLock {
  private readonly passes = new Set<Promise<boolean>>();
  private stopping = false;

  constructor(private readonly db: DataSource) {}

  /** Runs `work` if no other process is running the job named `job`; returns whether it ran. */
  runExclusive(job: string, work: () => Promise<void>): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    const pass = this.exclusive(job, work).finally(() => this.passes.delete(pass));
    this.passes.add(pass);
    return pass;
  }

  /** No pass starts any more; resolves once those running have finished (before the database closes). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.passes]);
  }

  private async exclusive(job: string, work: () => Promise<void>): Promise<boolean> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [`baton:job:${job}`]);
      if (!locked) return false;
      try {
        await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`baton:job:${job}`]);
      }
      return true;
    } finally {
      await runner.release();
    }
  }
}
