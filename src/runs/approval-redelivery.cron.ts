import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { LeaderJobs } from '../database/leader-jobs.js';
import { ApprovalDecisionsService } from './approval-decisions.service.js';

const EVERY_MS = 10_000;

/** Delivers, one replica at a time, approval decisions an API process recorded but died before signalling. */
@Injectable()
export class ApprovalRedeliveryJob implements OnApplicationBootstrap {
  static readonly JOB = 'approval-redelivery';
  private readonly logger = new Logger(ApprovalRedeliveryJob.name);

  constructor(
    private readonly decisions: ApprovalDecisionsService,
    private readonly jobs: LeaderJobs,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every(ApprovalRedeliveryJob.JOB, EVERY_MS, async () => {
      const signalled = await this.decisions.redeliverPendingDecisions();
      if (signalled) this.logger.log(`Delivered ${signalled} approval decision(s) left undelivered`);
    });
  }
}
