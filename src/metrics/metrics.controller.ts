import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
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
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.contentType);
    return this.metrics.text();
  }
}
