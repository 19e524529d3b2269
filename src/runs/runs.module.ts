import { Module } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { EntitlementsService } from '../billing/entitlements.service.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { typeormTransact } from '../runtime/database/transact.js';
import { DatabaseModule } from '../database/database.module.js';
import { RunEventEntity } from './entities/run-event.entity.js';
import { RunStepEntity } from './entities/run-step.entity.js';
import { RunEntity } from './entities/run.entity.js';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { RunDispatcher } from '../runtime/ledger/run-dispatcher.js';
import { RunLedger } from '../runtime/ledger/run-ledger.js';
import { RunDispatchJob } from './run-dispatch.cron.js';
import { RunSweeper } from './run-sweeper.js';
import { ApprovalDecisionsRepository } from './approval-decisions.repository.js';
import { ApprovalDecisionsService } from './approval-decisions.service.js';
import { ApprovalRedeliveryJob } from './approval-redelivery.cron.js';
import { RunsController } from './runs.controller.js';
import { RetentionJob } from './retention.cron.js';
import { RunEventStreams } from './run-event-streams.js';
import { RunEventsListener } from './run-events.listener.js';
import { RunsRepository } from './runs.repository.js';
import { RunsService } from './runs.service.js';

@Module({
  imports: [PipelinesModule, DatabaseModule.forFeature([RunEntity, RunStepEntity, RunEventEntity])],
  controllers: [RunsController],
  providers: [
    RunsRepository,
    RunsService,
    RunEventStreams,
    RetentionJob,
    RunEventsListener,
    RunDispatchJob,
    RunSweeper,
    ApprovalDecisionsRepository,
    ApprovalDecisionsService,
    ApprovalRedeliveryJob,
    // The Nest-free run ledger and its outbox's dispatcher, on the API's database and Temporal client, held to the API's admission.
    {
      provide: RunLedger,
      inject: [DataSource, EntitlementsService],
      useFactory: (db: DataSource, entitlements: EntitlementsService) => new RunLedger(typeormTransact(db), entitlements.admission),
    },
    {
      provide: RunDispatcher,
      inject: [DataSource, Client, EntitlementsService, BATON_CONFIG],
      useFactory: (db: DataSource, temporal: Client, entitlements: EntitlementsService, config: RuntimeConfig) =>
        new RunDispatcher(typeormTransact(db), temporal, entitlements.admission, { taskQueue: config.TEMPORAL_TASK_QUEUE }),
    },
  ],
  exports: [RunsService],
})
export class RunsModule {}
