import type pg from 'pg';

/**
 * Where the locks' sessions come from: a pool of their own, never the one the jobs' work uses. A
 * pass holds its lock's session while its work runs; work waiting for a connection that lock
 * sessions hold would wait for ever (an API whose DATABASE_POOL_SIZE was below the number of jobs
 * ticking at once hung so, requests and all).
 */
export type LockSessions = Pick<pg.Pool, 'connect'>;

/**
 * Leader election for periodic jobs across API replicas: a PostgreSQL session advisory lock per
 * job, held on one connection while the job runs. A replica that does not get it skips this
 * tick; a replica that dies mid-job loses its connection and with it the lock.
 */
export class LeaderLock {
  private readonly passes = new Set<Promise<boolean>>();
  private stopping = false;
  private readonly stopped = new AbortController();

  constructor(private readonly sessions: LockSessions) {}

  /**
   * Runs `work` if no other process is running the job named `job`; returns whether it ran. Work that
   * holds the lock for long (a listener) ends when its `signal` aborts: the lock stops, or its session is lost.
   */
  runExclusive(job: string, work: (signal: AbortSignal) => Promise<void>): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    const pass = this.exclusive(job, work).finally(() => this.passes.delete(pass));
    this.passes.add(pass);
    return pass;
  }

  /** No pass starts any more; resolves once those running have finished (before the database closes). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await Promise.allSettled([...this.passes]);
  }

  private async exclusive(job: string, work: (signal: AbortSignal) => Promise<void>): Promise<boolean> {
    const session = await this.sessions.connect();
    const key = `baton:job:${job}`;
    const held = new AbortController();
    const stopped = () => held.abort();
    this.stopped.signal.addEventListener('abort', stopped);
    // A session that failed is gone (and its locks with it): not to be reused. While the work runs no
    // statement is pending on it, so its loss (PostgreSQL restarting, a terminated backend) comes as an
    // 'error' event, which unheard would end the process.
    let broken: Error | undefined;
    const lost = (error: Error) => {
      broken ??= error;
      held.abort();
    };
    session.on('error', lost);
    const query = <Row extends object>(sql: string) =>
      session.query<Row>(sql, [key]).catch((error: Error) => {
        broken = error;
        throw error;
      });
    try {
      const { rows } = await query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`);
      if (!rows[0].locked) return false;
      try {
        await work(held.signal);
      } finally {
        await query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`);
      }
      return true;
    } finally {
      this.stopped.signal.removeEventListener('abort', stopped);
      session.off('error', lost);
      session.release(broken);
    }
  }
}
