import { SkipRateLimit } from '../common/rate-limit/rate-limit.guard.js';
import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { Liveness, Readiness } from './dto/health.dto.js';
import { Public } from '../common/auth/access.decorators.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller()
@SkipRateLimit()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @ApiOperation({ summary: 'Liveness: the process answers' })
  @Responds(200, Liveness)
  @Get('healthz')
  @Public()
  live() {
    return { status: 'ok' };
  }

  @ApiOperation({ summary: 'Readiness: PostgreSQL and Temporal are reachable' })
  @Responds(200, Readiness)
  @Fails(503, '`not_ready` (PostgreSQL or Temporal unreachable) or `draining` (stopping)')
  @Get('readyz')
  @Public()
  @HttpCode(200)
  ready() {
    return this.health.readiness();
  }
}
