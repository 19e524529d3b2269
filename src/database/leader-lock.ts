import { Injectable, type BeforeApplicationShutdown, type Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

/**
 * Leader election for periodic jobs across API replicas: a PostgreSQL session advisory lock per
 * job, held on one connection while the job runs. A replica that does not get it skips this
 * tick; a replica that dies mid-job loses its connection and with it the lock.
 */
@Injectable()
export class LeaderLock implements BeforeApplicationShutdown {
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

  /** On shutdown no pass starts any more, and those running finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
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

/**
 * Every `everyMs`, runs `work` on one replica at a time (the leader lock named `job`); a pass that
 * is still running when the next tick comes makes that tick skip. Errors are logged, not thrown.
 */
export function scheduleLeaderJob(deps: { scheduler: SchedulerRegistry; leader: LeaderLock; logger: Logger }, job: string, everyMs: number, work: () => Promise<void>): void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await deps.leader.runExclusive(job, work);
    } catch (error) {
      deps.logger.error(`${job} failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  deps.scheduler.addInterval(job, setInterval(tick, everyMs));
}
