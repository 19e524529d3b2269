import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { BatonMetrics, processMetrics } from '../runtime/metrics/baton-metrics.js';
import { observeRequests } from './http-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { serveMetrics, type MetricsServer } from '../runtime/metrics/metrics-server.js';

/** Times every API response, and serves the metrics on METRICS_PORT when that is set. */
@Injectable()
export class MetricsLifecycle implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Metrics');
  private server?: MetricsServer;

  constructor(
    private readonly metrics: BatonMetrics,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(BATON_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  onModuleInit(): void {
    observeRequests(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.metrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.METRICS_PORT) return;
    this.server = await serveMetrics(this.metrics, this.config.METRICS_PORT, this.config.METRICS_HOST);
    this.logger.log(`Metrics without a token on http://${this.config.METRICS_HOST}:${this.server.port}/metrics`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.server?.close();
  }
}

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    // One registry per process: in `baton up` the worker records into the same one.
    {
      provide: BatonMetrics,
      inject: [BATON_CONFIG],
      useFactory: (config: RuntimeConfig) => processMetrics({ tenantLabels: config.METRICS_TENANT_LABELS }),
    },
    MetricsLifecycle,
  ],
  exports: [BatonMetrics],
})
export class MetricsModule {}
