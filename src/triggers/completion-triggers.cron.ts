import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';
import { LeaderLock, scheduleLeaderJob } from '../database/leader-lock.js';
import { TriggersService } from './triggers.service.js';

/** Runs that ended longer ago than this (while no replica ran the job) fire no trigger. */
const LOOK_BACK = '10 minutes';
const BATCH = 200;

/** Starts the runs that run-completion triggers call for, one replica at a time, each once. */
@Injectable()
export class CompletionTriggersJob implements OnApplicationBootstrap {
  static readonly JOB = 'completion-triggers';
  readonly logger = new Logger(CompletionTriggersJob.name);

  constructor(
    private readonly triggers: TriggersService,
    readonly leader: LeaderLock,
    readonly scheduler: SchedulerRegistry,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'TRIGGER_POLL_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    scheduleLeaderJob(this, CompletionTriggersJob.JOB, parseDuration(this.config.TRIGGER_POLL_INTERVAL)!, async () => {
      const started = await this.triggers.fireCompletions(LOOK_BACK, BATCH);
      if (started) this.logger.log(`Run-completion triggers started ${started} run(s)`);
    });
  }
}
