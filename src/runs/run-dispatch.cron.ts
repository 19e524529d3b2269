import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { BatonMetrics } from '../runtime/metrics/baton-metrics.js';
import { RunDispatcher } from '../runtime/ledger/run-dispatcher.js';

/** Outbox rows sent per pass; the rest wait for the next one. */
const BATCH = 500;

/**
 * Starts the runs the ledger recorded and nobody started yet, one replica at a time: those whose
 * API died between recording and starting, those the engine refused while down, and those the
 * plan's concurrency held back until a slot freed.
 */
@Injectable()
export class RunDispatchJob implements OnApplicationBootstrap {
  static readonly JOB = 'run-dispatch';
  private readonly logger = new Logger(RunDispatchJob.name);

  constructor(
    private readonly dispatcher: RunDispatcher,
    private readonly metrics: BatonMetrics,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'RUN_DISPATCH_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    // On every replica, not only the leader: whichever one Prometheus scrapes tells the backlog.
    this.metrics.watchDispatchBacklog(() => this.dispatcher.backlog());
    this.jobs.every(RunDispatchJob.JOB, parseDuration(this.config.RUN_DISPATCH_INTERVAL)!, async () => {
      const { sent, failed } = await this.dispatcher.dispatchDue(BATCH);
      if (sent) this.logger.log(`Started ${sent} recorded run(s)`);
      if (failed) this.logger.warn('The workflow engine is not reachable: recorded runs wait for it');
    });
  }
}
