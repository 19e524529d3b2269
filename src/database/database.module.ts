import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { createDataSource, type EntityTarget } from './data-source.js';
import { LeaderJobs } from './leader-jobs.js';
import { LeaderLock } from '../runtime/database/leader-lock.js';

/** The leader locks' own connections (see LockSessions). */
const LOCK_SESSIONS = Symbol('LOCK_SESSIONS');

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
    {
      provide: LOCK_SESSIONS,
      inject: [BATON_CONFIG],
      useFactory: (config: RuntimeConfig) => {
        // Besides DATABASE_POOL_SIZE: one session per leader job running, idle ones closed.
        const sessions = new pg.Pool({ connectionString: config.databaseUrl, max: 32, idleTimeoutMillis: 10_000 });
        sessions.on('error', () => undefined);
        return sessions;
      },
    },
    { provide: LeaderLock, inject: [LOCK_SESSIONS], useFactory: (sessions: pg.Pool) => new LeaderLock(sessions) },
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

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LOCK_SESSIONS) private readonly lockSessions: pg.Pool,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.lockSessions.end();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
