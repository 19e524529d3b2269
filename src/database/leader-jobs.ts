import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { LeaderLock } from '../runtime/database/leader-lock.js';

/** The API's leader-only intervals: each job runs on one replica at a time, never twice at once. */
@Injectable()
export class LeaderJobs implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LeaderJobs.name);

  constructor(
    private readonly leader: LeaderLock,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  /**
   * Every `everyMs`, runs `work` under the leader lock named `job`; a pass still running when the
   * next tick comes makes that tick skip. Errors are logged, not thrown. Work that keeps the lock
   * (listeners) ends when its signal aborts: on shutdown, or when the lock's session is lost.
   */
  every(job: string, everyMs: number, work: (signal: AbortSignal) => Promise<unknown>): void {
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        await this.leader.runExclusive(job, async (signal) => void (await work(signal)));
      } catch (error) {
        this.logger.error(`${job} failed: ${(error as Error).message}`);
      } finally {
        running = false;
      }
    };
    this.scheduler.addInterval(
      job,
      setInterval(() => void tick(), everyMs),
    );
  }

  /** On shutdown no pass starts any more, and those running finish before the database closes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.leader.stop();
  }
}
