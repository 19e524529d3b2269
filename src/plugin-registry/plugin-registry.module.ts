import { Module } from '@nestjs/common';
import { PluginRegistryController, PublisherKeysController } from './plugin-registry.controller.js';
import { PluginRegistryRepository } from './plugin-registry.repository.js';
import { PluginRegistryService } from './plugin-registry.service.js';

@Module({
  controllers: [PluginRegistryController, PublisherKeysController],
  providers: [PluginRegistryRepository, PluginRegistryService],
  exports: [PluginRegistryService],
})
export class PluginRegistryModule {}
