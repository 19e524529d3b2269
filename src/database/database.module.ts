import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { createDataSource } from './data-source.js';
import { LeaderJobs } from './leader-jobs.js';
import { LeaderLock } from '../runtime/database/leader-lock.js';

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [BATON_CONFIG],
      useFactory: (config: RuntimeConfig) => createDataSource(config.databaseUrl, config.DATABASE_POOL_SIZE).initialize(),
    },
    { provide: LeaderLock, inject: [DataSource], useFactory: (db: DataSource) => new LeaderLock(db) },
    LeaderJobs,
  ],
  exports: [DataSource, LeaderLock, LeaderJobs],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
