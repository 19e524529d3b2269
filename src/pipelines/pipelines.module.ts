import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.js';
import { PipelineVersionEntity } from './entities/pipeline-version.entity.js';
import { PipelineEntity } from './entities/pipeline.entity.js';
import { PluginRegistryModule } from '../plugin-registry/plugin-registry.module.js';
import { PipelineTagsController } from './pipeline-tags.controller.js';
import { PipelinesController } from './pipelines.controller.js';
import { PipelinesRepository } from './pipelines.repository.js';
import { PipelinesService } from './pipelines.service.js';

@Module({
  imports: [PluginRegistryModule, DatabaseModule.forFeature([PipelineEntity, PipelineVersionEntity])],
  controllers: [PipelinesController, PipelineTagsController],
  providers: [PipelinesRepository, PipelinesService],
  exports: [PipelinesService],
})
export class PipelinesModule {}
