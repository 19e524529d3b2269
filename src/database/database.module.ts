import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';
import { createDataSource } from './data-source.js';
import { LeaderLock } from './leader-lock.js';

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [BATON_CONFIG],
      useFactory: (config: RuntimeConfig) => createDataSource(config.databaseUrl, config.DATABASE_POOL_SIZE).initialize(),
    },
    LeaderLock,
  ],
  exports: [DataSource, LeaderLock],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
