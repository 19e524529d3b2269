import { Module } from '@nestjs/common';
import { ModelsController } from './models.controller.js';
import { ModelsRepository } from './models.repository.js';
import { ModelsService } from './models.service.js';

/** The model registry (API.md "Models"); versions are registered by steps through the worker (workers/activities/model-store.ts). */
@Module({
  controllers: [ModelsController],
  providers: [ModelsRepository, ModelsService],
})
export class ModelsModule {}
