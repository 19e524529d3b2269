import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { RunLedger } from '../runtime/ledger/run-ledger.js';
import { deleteInBatches } from '../common/delete-in-batches.js';

const DAY_MS = 86_400_000;
/** Small deletes, so that a large backlog never holds long locks on the run table. */
const BATCH = 1_000;

/** Deletes finished runs older than their tenant's plan keeps them, one replica at a time. */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap {
  static readonly JOB = 'run-retention';
  private readonly logger = new Logger(RetentionJob.name);

  constructor(
    private readonly ledger: RunLedger,
    private readonly entitlements: EntitlementsService,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'RETENTION_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.entitlements.retentionByPlan().length) return;
    this.jobs.every(RetentionJob.JOB, parseDuration(this.config.RETENTION_INTERVAL)!, () => this.runOnce());
  }

  async runOnce(): Promise<void> {
    for (const { plan, days } of this.entitlements.retentionByPlan()) {
      const cutoff = new Date(Date.now() - days * DAY_MS);
      const total = await deleteInBatches(BATCH, (limit) => this.ledger.deleteEndedBefore(plan, cutoff, limit));
      if (total) this.logger.log(`Deleted ${total} run(s) of ${plan} tenants that ended before ${cutoff.toISOString()}`);
    }
  }
}
