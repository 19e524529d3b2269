import { Module } from '@nestjs/common';
import { LineageController, ObservabilityController } from './observability.controller.js';
import { ObservabilityRepository } from './observability.repository.js';
import { ObservabilityService } from './observability.service.js';

@Module({ controllers: [ObservabilityController, LineageController], providers: [ObservabilityRepository, ObservabilityService] })
export class ObservabilityModule {}
