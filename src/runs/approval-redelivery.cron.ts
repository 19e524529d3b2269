import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { LeaderLock, scheduleLeaderJob } from '../database/leader-lock.js';
import { ApprovalDecisionsService } from './approval-decisions.service.js';

const EVERY_MS = 10_000;

/** Delivers, one replica at a time, approval decisions an API process recorded but died before signalling. */
@Injectable()
export class ApprovalRedeliveryJob implements OnApplicationBootstrap {
  static readonly JOB = 'approval-redelivery';
  readonly logger = new Logger(ApprovalRedeliveryJob.name);

  constructor(private readonly decisions: ApprovalDecisionsService, readonly leader: LeaderLock, readonly scheduler: SchedulerRegistry) {}

  onApplicationBootstrap(): void {
    scheduleLeaderJob(this, ApprovalRedeliveryJob.JOB, EVERY_MS, async () => {
      const signalled = await this.decisions.redeliverPendingDecisions();
      if (signalled) this.logger.log(`Delivered ${signalled} approval decision(s) left undelivered`);
    });
  }
}
