import { Module } from '@nestjs/common';
import { PluginRegistryModule } from '../plugin-registry/plugin-registry.module.js';
import { PipelinesController } from './pipelines.controller.js';
import { PipelinesRepository } from './pipelines.repository.js';
import { PipelinesService } from './pipelines.service.js';

@Module({
  imports: [PluginRegistryModule],
  controllers: [PipelinesController],
  providers: [PipelinesRepository, PipelinesService],
  exports: [PipelinesService],
})
export class PipelinesModule {}
