import { Module } from '@nestjs/common';
import { PluginRegistryController, PublisherKeysController } from './plugin-registry.controller.js';
import { PluginApprovalsService } from './plugin-approvals.service.js';
import { PluginRegistryRepository } from './plugin-registry.repository.js';
import { PluginRegistryService } from './plugin-registry.service.js';

@Module({
  controllers: [PluginRegistryController, PublisherKeysController],
  providers: [PluginRegistryRepository, PluginRegistryService, PluginApprovalsService],
  exports: [PluginRegistryService],
})
export class PluginRegistryModule {}
