import { Module } from '@nestjs/common';
import { LineageController, ObservabilityController } from './observability.controller.js';
import { LineageForwardingJob } from './lineage-forwarding.cron.js';
import { ObservabilityRepository } from './observability.repository.js';
import { ObservabilityService } from './observability.service.js';

@Module({
  controllers: [ObservabilityController, LineageController],
  providers: [ObservabilityRepository, ObservabilityService, LineageForwardingJob],
})
export class ObservabilityModule {}
