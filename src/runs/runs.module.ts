import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { ApprovalDecisionsRepository } from './approval-decisions.repository.js';
import { ApprovalDecisionsService } from './approval-decisions.service.js';
import { ApprovalRedeliveryJob } from './approval-redelivery.cron.js';
import { RunsController } from './runs.controller.js';
import { RetentionJob } from './retention.cron.js';
import { RunEventStreams } from './run-event-streams.js';
import { RunEventsListener } from './run-events.listener.js';
import { RunsRepository } from './runs.repository.js';
import { RunsService } from './runs.service.js';

@Module({ imports: [PipelinesModule], controllers: [RunsController], providers: [RunsRepository, RunsService, RunEventStreams, RetentionJob, RunEventsListener, ApprovalDecisionsRepository, ApprovalDecisionsService, ApprovalRedeliveryJob], exports: [RunsService] })
export class RunsModule {}
