import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { createDataSource, type EntityTarget } from './data-source.js';
import { LeaderJobs } from './leader-jobs.js';
import { LeaderLock } from '../runtime/database/leader-lock.js';

/**
 * The entities the feature modules registered. Module metadata (and so every `forFeature` call) is
 * evaluated when the modules are defined, before Nest runs the data source's factory.
 */
const featureEntities = new Set<EntityTarget>();

/** What `forFeature` returns: a module with nothing in it, so that registering reads like importing. */
@Module({})
class EntitiesRegistered {}

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [BATON_CONFIG],
      useFactory: (config: RuntimeConfig) =>
        createDataSource(config.databaseUrl, config.DATABASE_POOL_SIZE, [...featureEntities]).initialize(),
    },
    { provide: LeaderLock, inject: [DataSource], useFactory: (db: DataSource) => new LeaderLock(db) },
    LeaderJobs,
  ],
  exports: [DataSource, LeaderLock, LeaderJobs],
})
export class DatabaseModule implements OnApplicationShutdown {
  /** A feature module registers the entities of the tables it owns: `imports: [DatabaseModule.forFeature([RunEntity])]`. */
  static forFeature(entities: EntityTarget[]): DynamicModule {
    for (const entity of entities) featureEntities.add(entity);
    return { module: EntitiesRegistered };
  }

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
