import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../../runtime/config/runtime-config.js';
import { LeaderJobs } from '../../database/leader-jobs.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { deleteInBatches } from '../delete-in-batches.js';

const BATCH = 1_000;
const MAX_INTERVAL_MS = 3_600_000;

/** Deletes idempotency records past IDEMPOTENCY_TTL, one replica at a time, a few times per TTL. */
@Injectable()
export class IdempotencyPruneJob implements OnApplicationBootstrap {
  static readonly JOB = 'idempotency-prune';
  private readonly logger = new Logger(IdempotencyPruneJob.name);
  private readonly ttlMs: number;

  constructor(
    private readonly records: IdempotencyRepository,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) config: Pick<RuntimeConfig, 'IDEMPOTENCY_TTL'>,
  ) {
    this.ttlMs = parseDuration(config.IDEMPOTENCY_TTL)!;
  }

  onApplicationBootstrap(): void {
    this.jobs.every(IdempotencyPruneJob.JOB, Math.min(Math.max(this.ttlMs / 4, 1_000), MAX_INTERVAL_MS), () => this.runOnce());
  }

  async runOnce(): Promise<number> {
    const before = new Date(Date.now() - this.ttlMs);
    const total = await deleteInBatches(BATCH, (limit) => this.records.deleteOlderThan(before, limit));
    if (total) this.logger.log(`Deleted ${total} idempotency record(s) made before ${before.toISOString()}`);
    return total;
  }
}
