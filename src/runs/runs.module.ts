import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { RunsController } from './runs.controller.js';
import { RetentionJob } from './retention.cron.js';
import { RunEventsListener } from './run-events.listener.js';
import { RunsRepository } from './runs.repository.js';
import { RunsService } from './runs.service.js';

@Module({ imports: [PipelinesModule], controllers: [RunsController], providers: [RunsRepository, RunsService, RetentionJob, RunEventsListener], exports: [RunsService] })
export class RunsModule {}
