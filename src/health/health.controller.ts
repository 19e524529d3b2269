import { SkipRateLimit } from '../common/rate-limit/rate-limit.guard.js';
import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorators.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller()
@SkipRateLimit()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('healthz')
  @Public()
  live() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @HttpCode(200)
  ready() {
    return this.health.readiness();
  }
}
