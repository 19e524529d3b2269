import { Global, Module } from '@nestjs/common';
import { TenantRequestLimits } from '../common/rate-limit/rate-limit.guard.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { BillingWebhookService } from './billing-webhook.service.js';
import { BillingController } from './billing.controller.js';
import { BillingRepository } from './billing.repository.js';
import { BillingService } from './billing.service.js';
import { EntitlementsService } from './entitlements.service.js';
import { PlanCatalog } from '../runtime/ledger/plans.js';
import { StripeGateway } from './stripe.provider.js';
import { UsageJob } from './usage.cron.js';

/** Global: the features that enforce a plan (runs, pipelines, plugins, rate limits) ask EntitlementsService. */
@Global()
@Module({
  controllers: [BillingController],
  providers: [
    {
      provide: PlanCatalog,
      inject: [BATON_CONFIG],
      useFactory: (config: RuntimeConfig) => PlanCatalog.load({ file: config.BILLING_PLANS_FILE, priceIds: config.BILLING_PRICE_IDS }),
    },
    StripeGateway,
    BillingRepository,
    BillingService,
    BillingWebhookService,
    EntitlementsService,
    UsageJob,
    { provide: TenantRequestLimits, useExisting: EntitlementsService },
  ],
  exports: [EntitlementsService, TenantRequestLimits],
})
export class BillingModule {}
