import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { PluginRegistryService } from './plugin-registry.service.js';

@ApiTags('plugins')
@Controller('v1/plugins')
export class PluginRegistryController {
  constructor(private readonly registry: PluginRegistryService) {}

  /** The catalogue of installed plugins and their steps' schemas. */
  @Get()
  @Roles('viewer', 'publisher')
  list() {
    return this.registry.list();
  }
}
