import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal.js';
import { RequestValidationError } from '../common/errors/baton-error.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { BillingError } from './billing.errors.js';
import { BillingRepository } from './billing.repository.js';
import type { CheckoutBody } from './dto/billing.dto.js';
import { EntitlementsService, graceEndsAt, usagePeriod } from './entitlements.service.js';
import { PlanCatalog, SELF_HOSTED_PLAN, type Plan } from '../runtime/ledger/plans.js';
import { StripeGateway } from './stripe.provider.js';

const toPlanResponse = (plan: Plan, defaultPlan: Plan) => ({
  name: plan.name,
  title: plan.title,
  sold: plan.priceId !== null,
  default: plan === defaultPlan,
  limits: plan.limits,
  plugins: plan.plugins,
});

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

@Injectable()
export class BillingService {
  constructor(
    private readonly billing: BillingRepository,
    private readonly catalog: PlanCatalog,
    private readonly entitlements: EntitlementsService,
    private readonly stripe: StripeGateway,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  plans() {
    if (!this.stripe.enabled) return { billing: 'disabled' as const, items: [toPlanResponse(SELF_HOSTED_PLAN, SELF_HOSTED_PLAN)] };
    return { billing: 'stripe' as const, items: this.catalog.plans.map((p) => toPlanResponse(p, this.catalog.defaultPlan)) };
  }

  async subscription(principal: Principal) {
    const plan = await this.entitlements.planOf(principal.tenantId);
    if (!this.stripe.enabled) return { billing: 'disabled' as const, plan: plan.name, status: null };
    const account = await this.billing.findAccount(principal.tenantId);
    return {
      billing: 'stripe' as const,
      plan: plan.name,
      status: account?.subscriptionStatus ?? null,
      customer: account !== null,
      currentPeriodEnd: iso(account?.currentPeriodEnd),
      cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
      pastDueSince: iso(account?.pastDueSince),
      graceEndsAt: iso(graceEndsAt(account, this.entitlements.gracePeriodMs)),
    };
  }

  async usage(principal: Principal) {
    const plan = await this.entitlements.planOf(principal.tenantId);
    const period = usagePeriod();
    const [usage, pipelines] = [
      await this.billing.usage(principal.tenantId, period.start),
      await this.billing.countPipelines(principal.tenantId),
    ];
    return {
      plan: plan.name,
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      runs: { used: usage.runs, limit: plan.limits.runsPerMonth },
      stepSeconds: { used: usage.stepSeconds, limit: plan.limits.stepSecondsPerMonth },
      concurrentRuns: { used: usage.activeRuns, limit: plan.limits.concurrentRuns },
      pipelines: { used: pipelines, limit: plan.limits.pipelines },
    };
  }

  async checkout(principal: Principal, body: CheckoutBody) {
    this.requireEnabled();
    const plan = this.catalog.find(body.plan);
    if (!plan)
      throw new RequestValidationError([
        { path: 'plan', message: `Unknown plan; one of ${this.catalog.plans.map((p) => p.name).join(', ')}` },
      ]);
    if (!plan.priceId) throw new BillingError('plan_not_sold', `The ${plan.name} plan has no Stripe price, so it cannot be bought`);
    const customerId = await this.customerOf(principal.tenantId);
    const url = await this.stripe.createCheckoutSession({
      customerId,
      priceId: plan.priceId,
      tenantId: principal.tenantId,
      plan: plan.name,
      successUrl: `${this.config.publicUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${this.config.publicUrl}/billing/cancelled`,
    });
    return { url };
  }

  async portal(principal: Principal) {
    this.requireEnabled();
    const account = await this.billing.findAccount(principal.tenantId);
    if (!account)
      throw new BillingError('no_billing_account', 'This tenant has no Stripe customer yet: start with POST /v1/billing/checkout');
    return { url: await this.stripe.createPortalSession(account.stripeCustomerId, `${this.config.publicUrl}/billing`) };
  }

  /** The tenant's Stripe customer, created on first checkout (idempotently, so two at once make one). */
  private async customerOf(tenantId: string): Promise<string> {
    const existing = await this.billing.findAccount(tenantId);
    if (existing) return existing.stripeCustomerId;
    const name = (await this.billing.tenantName(tenantId)) ?? tenantId;
    const customerId = await this.stripe.createCustomer({ id: tenantId, name }, undefined);
    return (await this.billing.ensureAccount(tenantId, customerId)).stripeCustomerId;
  }

  private requireEnabled(): void {
    if (!this.stripe.enabled)
      throw new BillingError(
        'billing_disabled',
        'Billing is off on this installation (no STRIPE_SECRET_KEY): every tenant has the self-hosted plan',
      );
  }
}
