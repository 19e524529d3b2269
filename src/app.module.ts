import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { PassportModule } from '@nestjs/passport';
import { AccountsModule } from './accounts/accounts.module.js';
import { AlertsModule } from './alerts/alerts.module.js';
import { AuditModule } from './audit/audit.module.js';
import { BillingModule } from './billing/billing.module.js';
import { AccessGuard } from './common/auth/access.guard.js';
import { ApiKeyStrategy } from './common/auth/api-key.strategy.js';
import { CredentialCheck } from './common/auth/credential-check.js';
import { JwtStrategy } from './common/auth/jwt.strategy.js';
import { rateLimitOptions, RateLimitGuard, TenantRequestLimits } from './common/rate-limit/rate-limit.guard.js';
import { ProblemFilter } from './common/errors/problem.filter.js';
import { NoNulPipe } from './common/validation/no-nul.pipe.js';
import { IdempotencyPruneJob } from './common/idempotency/idempotency.cron.js';
import { IdempotencyInterceptor } from './common/idempotency/idempotency.interceptor.js';
import { IdempotencyRecordEntity } from './common/idempotency/idempotency-record.entity.js';
import { IdempotencyRepository } from './common/idempotency/idempotency.repository.js';
import { BATON_CONFIG, type RuntimeConfig } from './runtime/config/runtime-config.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ModelsModule } from './models/models.module.js';
import { WorkerPoolsModule } from './worker-pools/worker-pools.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RunArtifactsModule } from './run-artifacts/run-artifacts.module.js';
import { PipelineChangesModule } from './pipeline-changes/pipeline-changes.module.js';
import { PipelinesModule } from './pipelines/pipelines.module.js';
import { PluginRegistryModule } from './plugin-registry/plugin-registry.module.js';
import { RunsModule } from './runs/runs.module.js';
import { SchedulesModule } from './schedules/schedules.module.js';
import { SecretsModule } from './secrets/secrets.module.js';
import { TriggersModule } from './triggers/triggers.module.js';
import { TemporalClientModule } from './temporal/temporal-client.provider.js';

@Module({})
export class AppModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    const configModule: DynamicModule = {
      module: class ConfigModule {},
      global: true,
      providers: [{ provide: BATON_CONFIG, useValue: config }],
      exports: [BATON_CONFIG],
    };
    return {
      module: AppModule,
      imports: [
        configModule,
        DatabaseModule,
        // The idempotency interceptor's records: a concern of every route, so of the app itself.
        DatabaseModule.forFeature([IdempotencyRecordEntity]),
        TemporalClientModule,
        WorkerPoolsModule,
        PassportModule,
        JwtModule.register({ global: true, secret: config.jwtSecret }),
        ScheduleModule.forRoot(),
        BillingModule,
        ThrottlerModule.forRootAsync({
          inject: [TenantRequestLimits],
          useFactory: (limits: TenantRequestLimits) => rateLimitOptions(limits, config.AUTH_RATE_LIMIT_PER_MINUTE),
        }),
        HealthModule,
        AccountsModule,
        PluginRegistryModule,
        PipelinesModule,
        RunsModule,
        SchedulesModule,
        SecretsModule,
        TriggersModule,
        PipelineChangesModule,
        RunArtifactsModule,
        AuditModule,
        ObservabilityModule,
        MetricsModule,
        AlertsModule,
        ModelsModule,
      ],
      providers: [
        JwtStrategy,
        ApiKeyStrategy,
        CredentialCheck,
        IdempotencyRepository,
        IdempotencyPruneJob,
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useClass: NoNulPipe },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
