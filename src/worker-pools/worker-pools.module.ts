import { Global, Module } from '@nestjs/common';
import { WorkerPools } from './worker-pools.service.js';

/** Where steps run: the worker pools (`runsOn`) and what Temporal knows of their workers. */
@Global()
@Module({ providers: [WorkerPools], exports: [WorkerPools] })
export class WorkerPoolsModule {}
