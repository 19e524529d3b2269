import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { SchedulesReconcilerJob } from './schedules-reconciler.cron.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesRepository } from './schedules.repository.js';
import { SchedulesService } from './schedules.service.js';

@Module({
  imports: [PipelinesModule],
  controllers: [SchedulesController],
  providers: [SchedulesRepository, SchedulesService, SchedulesReconcilerJob],
  exports: [SchedulesService],
})
export class SchedulesModule {}
