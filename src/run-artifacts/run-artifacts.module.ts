import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createArtifactStore } from '../runtime/artifacts/create-artifact-store.js';
import { RunArtifactsRepository } from '../runtime/artifacts/run-artifacts.repository.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { RunsModule } from '../runs/runs.module.js';
import { ArtifactRetentionJob } from './artifact-retention.cron.js';
import { RunArtifactsController } from './run-artifacts.controller.js';
import { ARTIFACT_STORE, RUN_ARTIFACTS, RunArtifactsService } from './run-artifacts.service.js';

/** A run's artifacts through the API: the store the workers write to (a folder or S3), read within the run's tenant. */
@Module({
  imports: [RunsModule],
  controllers: [RunArtifactsController],
  providers: [
    RunArtifactsService,
    ArtifactRetentionJob,
    { provide: ARTIFACT_STORE, inject: [BATON_CONFIG], useFactory: (config: RuntimeConfig) => createArtifactStore(config) },
    {
      provide: RUN_ARTIFACTS,
      inject: [DataSource],
      useFactory: (db: DataSource) => new RunArtifactsRepository((text, params) => db.query(text, params)),
    },
  ],
})
export class RunArtifactsModule implements OnModuleDestroy {
  constructor(@Inject(ARTIFACT_STORE) private readonly store: ReturnType<typeof createArtifactStore>) {}

  onModuleDestroy(): void {
    this.store.close?.();
  }
}
