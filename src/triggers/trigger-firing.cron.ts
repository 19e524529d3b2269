import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { TriggerDeliveriesService } from './trigger-deliveries.service.js';

/** Runs that ended (and events emitted) longer ago than this, while no replica ran the job, fire no trigger. */
export const LOOK_BACK = '10 minutes';
/** Deliveries started per kind per pass; the rest wait for the next pass. */
export const BATCH = 200;
/** Deliveries past their retention are deleted in small batches, at most this often. */
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 1_000;

/**
 * Starts the runs that run-completion and event triggers call for, one replica at a time, each
 * once per ended run or emitted event.
 */
@Injectable()
export class TriggerFiringJob implements OnApplicationBootstrap {
  static readonly JOB = 'trigger-firing';
  private readonly logger = new Logger(TriggerFiringJob.name);

  constructor(
    private readonly triggers: TriggerDeliveriesService,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'TRIGGER_POLL_INTERVAL' | 'TRIGGER_DELIVERY_RETENTION'>,
  ) {}

  private prunedAt = 0;

  onApplicationBootstrap(): void {
    this.jobs.every(TriggerFiringJob.JOB, parseDuration(this.config.TRIGGER_POLL_INTERVAL)!, async () => {
      const completions = await this.triggers.fireCompletions(LOOK_BACK, BATCH);
      const events = await this.triggers.fireEvents(LOOK_BACK, BATCH);
      if (completions) this.logger.log(`Run-completion triggers started ${completions} run(s)`);
      if (events) this.logger.log(`Event triggers started ${events} run(s)`);
      if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
        const pruned = await this.triggers.pruneDeliveries(parseDuration(this.config.TRIGGER_DELIVERY_RETENTION)!, PRUNE_BATCH);
        this.prunedAt = Date.now();
        if (pruned) this.logger.log(`Deleted ${pruned} trigger deliveries past their retention`);
      }
    });
  }
}
