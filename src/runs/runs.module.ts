import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { RunsController } from './runs.controller.js';
import { RetentionJob } from './retention.cron.js';
import { RunEventStreams } from './run-event-streams.js';
import { RunEventsListener } from './run-events.listener.js';
import { RunsRepository } from './runs.repository.js';
import { RunsService } from './runs.service.js';

@Module({ imports: [PipelinesModule], controllers: [RunsController], providers: [RunsRepository, RunsService, RunEventStreams, RetentionJob, RunEventsListener], exports: [RunsService] })
export class RunsModule {}
