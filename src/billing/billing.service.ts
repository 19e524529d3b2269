import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '../common/auth/principal.js';
import { RequestValidationError } from '../common/errors/baton-error.js';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { BillingError } from './billing.errors.js';
import { BillingRepository } from './billing.repository.js';
import type { CheckoutBody, InvoiceListQuery, UsageHistoryQuery } from './dto/billing.dto.js';
import { EntitlementsService, graceEndsAt, usagePeriod } from './entitlements.service.js';
import { PlanCatalog, SELF_HOSTED_PLAN, type Plan } from '../runtime/ledger/plans.js';
import { StripeGateway, type StripeInvoice } from './stripe.provider.js';

const toPlanResponse = (plan: Plan, defaultPlan: Plan) => ({
  name: plan.name,
  title: plan.title,
  sold: plan.priceId !== null,
  default: plan === defaultPlan,
  limits: plan.limits,
  plugins: plan.plugins,
});

/** Subscription states in which the tenant pays (or owes) for a plan: changing plan changes this subscription. */
const LIVE_SUBSCRIPTION = new Set(['active', 'trialing', 'past_due', 'unpaid']);

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const fromUnix = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A Stripe invoice id, the one thing an invoice page's cursor holds. */
const INVOICE_CURSOR = z.tuple([z.string().regex(/^in_[A-Za-z0-9_]{1,250}$/)]);

const toInvoiceResponse = (invoice: StripeInvoice) => ({
  id: invoice.id,
  number: invoice.number,
  status: invoice.status,
  amountDue: invoice.amount_due,
  amountPaid: invoice.amount_paid,
  currency: invoice.currency,
  createdAt: fromUnix(invoice.created),
  period: { start: fromUnix(invoice.period_start), end: fromUnix(invoice.period_end) },
  hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
  invoicePdf: invoice.invoice_pdf ?? null,
});

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

  /** This month and the `months - 1` before it, each with what it counted (nothing: zeros), oldest first. */
  async usageHistory(principal: Principal, query: UsageHistoryQuery) {
    const { start: thisMonth } = usagePeriod();
    const monthStart = (back: number) => new Date(Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() - back, 1));
    const counted = new Map(
      (await this.billing.usageSince(principal.tenantId, monthStart(query.months - 1))).map((row) => [row.periodStart, row]),
    );
    const items = Array.from({ length: query.months }, (_, index) => {
      const back = query.months - 1 - index;
      const start = monthStart(back);
      const row = counted.get(start.toISOString().slice(0, 10));
      return {
        period: { start: start.toISOString(), end: monthStart(back - 1).toISOString() },
        runs: row?.runs ?? 0,
        stepSeconds: row?.stepSeconds ?? 0,
      };
    });
    return { items };
  }

  /** The tenant's Stripe invoices, newest first; none without billing or a Stripe customer, and Stripe is not asked then. */
  async invoices(principal: Principal, query: InvoiceListQuery) {
    const startingAfter = query.cursor ? decodeOpaqueCursor(query.cursor, INVOICE_CURSOR)[0] : undefined;
    if (!this.stripe.enabled) return { billing: 'disabled' as const, items: [], nextCursor: null };
    const account = await this.billing.findAccount(principal.tenantId);
    if (!account) return { billing: 'stripe' as const, items: [], nextCursor: null };
    const { invoices, hasMore } = await this.stripe.listInvoices(account.stripeCustomerId, query.limit, startingAfter);
    const last = invoices[invoices.length - 1];
    return {
      billing: 'stripe' as const,
      items: invoices.map(toInvoiceResponse),
      nextCursor: hasMore && last ? encodeOpaqueCursor([last.id]) : null,
    };
  }

  async checkout(principal: Principal, body: CheckoutBody) {
    this.requireEnabled();
    const plan = this.catalog.find(body.plan);
    if (!plan)
      throw new RequestValidationError([
        { path: 'plan', message: `Unknown plan; one of ${this.catalog.plans.map((p) => p.name).join(', ')}` },
      ]);
    const account = await this.billing.findAccount(principal.tenantId);
    // A tenant already paying changes its subscription: a second checkout would start a second subscription.
    if (account?.stripeSubscriptionId && LIVE_SUBSCRIPTION.has(account.subscriptionStatus ?? ''))
      return this.changePlan(principal.tenantId, { ...account, stripeSubscriptionId: account.stripeSubscriptionId }, plan);
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
    return { url, change: 'checkout' as const };
  }

  /**
   * Another sold plan: the subscription moves to its price now (prorated). The default plan, which
   * is not sold: the subscription ends with its paid period. The webhooks that follow change the plan.
   */
  private async changePlan(
    tenantId: string,
    account: { stripeSubscriptionId: string; priceId: string | null; cancelAtPeriodEnd: boolean },
    plan: Plan,
  ) {
    const next = `${this.config.publicUrl}/billing/success?change=${plan.name}`;
    if (plan.priceId) {
      if (plan.priceId === account.priceId && !account.cancelAtPeriodEnd)
        throw new BillingError('plan_current', `The tenant is on the ${plan.name} plan already`);
      await this.stripe.changeSubscriptionPrice(account.stripeSubscriptionId, plan.priceId, { tenantId, plan: plan.name });
      return { url: next, change: 'updated' as const };
    }
    if (plan !== this.catalog.defaultPlan)
      throw new BillingError('plan_not_sold', `The ${plan.name} plan has no Stripe price, so it cannot be bought`);
    if (account.cancelAtPeriodEnd) throw new BillingError('plan_current', 'The subscription ends with its period already');
    await this.stripe.cancelAtPeriodEnd(account.stripeSubscriptionId);
    return { url: next, change: 'cancel_at_period_end' as const };
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
