import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { SecretsModule } from '../secrets/secrets.module.js';
import { BrokerAddresses } from './broker-addresses.js';
import { BrokerDeliveriesService } from './broker-deliveries.service.js';
import { BrokerListenersJob } from './broker-listeners.cron.js';
import { TriggerDeliveriesRepository } from './trigger-deliveries.repository.js';
import { TriggerDeliveriesService } from './trigger-deliveries.service.js';
import { TriggerFiringJob } from './trigger-firing.cron.js';
import { TriggerInputs } from './trigger-inputs.js';
import { TriggerMappings } from './trigger-mappings.js';
import { TriggersController } from './triggers.controller.js';
import { TriggersRepository } from './triggers.repository.js';
import { TriggersService } from './triggers.service.js';

@Module({
  imports: [AccountsModule, PipelinesModule, RunsModule, SecretsModule],
  controllers: [TriggersController],
  providers: [
    TriggersRepository,
    TriggerDeliveriesRepository,
    TriggersService,
    TriggerDeliveriesService,
    TriggerFiringJob,
    TriggerMappings,
    TriggerInputs,
    BrokerAddresses,
    BrokerDeliveriesService,
    BrokerListenersJob,
  ],
  exports: [TriggersService],
})
export class TriggersModule {}
