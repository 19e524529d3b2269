import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyReply } from 'fastify';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { BatonMetrics } from '../runtime/metrics/baton-metrics.js';

@ApiTags('metrics')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: BatonMetrics) {}

  /** Prometheus text format, for the installation operator's scraper (or METRICS_PORT, without a token). */
  @Get('metrics')
  @AdminOnly()
  @ApiOperation({ summary: 'Prometheus metrics' })
  @Responds(200, z.string(), { mediaType: 'text/plain', description: 'Prometheus text exposition format 0.0.4' })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.contentType);
    return this.metrics.text();
  }
}
