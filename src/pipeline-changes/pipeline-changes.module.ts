import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { PluginRegistryModule } from '../plugin-registry/plugin-registry.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { TriggersModule } from '../triggers/triggers.module.js';
import { PipelineChangesController } from './pipeline-changes.controller.js';
import { PipelineChangesService } from './pipeline-changes.service.js';

/** What a change to a pipeline means for what uses it: above pipelines, schedules, triggers and runs, which it reads. */
@Module({
  imports: [PipelinesModule, PluginRegistryModule, RunsModule, SchedulesModule, TriggersModule],
  controllers: [PipelineChangesController],
  providers: [PipelineChangesService],
})
export class PipelineChangesModule {}
