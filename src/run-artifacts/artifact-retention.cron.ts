import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import type { ArtifactStore } from '../runtime/artifacts/artifact-store.js';
import { sweepOrphanArtifacts } from '../runtime/artifacts/artifact-sweep.js';
import type { RunArtifactsRepository } from '../runtime/artifacts/run-artifacts.repository.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { ARTIFACT_STORE, RUN_ARTIFACTS } from './run-artifacts.service.js';

/** Deletes the artifacts of runs that are gone (past retention, or their tenant's), as often as runs are deleted. */
@Injectable()
export class ArtifactRetentionJob implements OnApplicationBootstrap {
  static readonly JOB = 'artifact-retention';
  private readonly logger = new Logger(ArtifactRetentionJob.name);

  constructor(
    @Inject(RUN_ARTIFACTS) private readonly records: RunArtifactsRepository,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'RETENTION_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every(ArtifactRetentionJob.JOB, parseDuration(this.config.RETENTION_INTERVAL)!, async () => {
      const swept = await sweepOrphanArtifacts(this.records, this.store);
      if (swept) this.logger.log(`Deleted ${swept} artifact(s) of deleted runs`);
    });
  }
}
