import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BillingError } from './billing.errors.js';
import { BillingRepository, type BillingAccountRow } from './billing.repository.js';
import { EntitlementsService } from './entitlements.service.js';
import { PlanCatalog } from '../runtime/ledger/plans.js';
import { faultPoint } from '../runtime/fault-points.js';
import {
  StripeGateway,
  type StripeCheckoutSession,
  type StripeEvent,
  type StripeInvoice,
  type StripeSubscription,
} from './stripe.provider.js';

/** Subscription statuses in which the subscribed plan applies (past due still runs, until the grace period ends). */
const SERVING = new Set(['active', 'trialing', 'past_due', 'unpaid']);
const OVERDUE = new Set(['past_due', 'unpaid']);
const ENDED = new Set(['canceled', 'incomplete_expired', 'paused']);

const idOf = (ref: string | { id: string } | null | undefined) => (typeof ref === 'string' ? ref : (ref?.id ?? null));

type Handler = (tx: EntityManager, event: StripeEvent, at: Date) => Promise<string | null>;

/**
 * Stripe webhooks: verified on the raw body, then each event is processed exactly once (its id
 * is claimed in the same transaction that applies it; a concurrent duplicate waits and then finds
 * it claimed) and in any order (per customer, events older than the newest applied are stale; a
 * deleted subscription stays deleted).
 */
@Injectable()
export class BillingWebhookService {
  private readonly logger = new Logger(BillingWebhookService.name);
  private readonly handlers: Record<string, Handler> = {
    'checkout.session.completed': (tx, e, at) => this.checkoutCompleted(tx, e.data.object as StripeCheckoutSession, at),
    'customer.subscription.created': (tx, e, at) => this.subscriptionChanged(tx, e.data.object as StripeSubscription, e.type, at),
    'customer.subscription.updated': (tx, e, at) => this.subscriptionChanged(tx, e.data.object as StripeSubscription, e.type, at),
    'customer.subscription.deleted': (tx, e, at) => this.subscriptionChanged(tx, e.data.object as StripeSubscription, e.type, at),
    'invoice.paid': (tx, e, at) => this.paymentOutcome(tx, e.data.object as StripeInvoice, true, at),
    'invoice.payment_failed': (tx, e, at) => this.paymentOutcome(tx, e.data.object as StripeInvoice, false, at),
  };

  constructor(
    private readonly billing: BillingRepository,
    private readonly catalog: PlanCatalog,
    private readonly entitlements: EntitlementsService,
    private readonly stripe: StripeGateway,
  ) {}

  async receive(
    rawBody: Buffer | undefined,
    signature: string | undefined,
  ): Promise<{ received: true; duplicate: boolean; handled: boolean }> {
    if (!this.stripe.enabled) throw new BillingError('billing_disabled', 'Billing is off on this installation (no STRIPE_SECRET_KEY)');
    if (!signature) throw new BillingError('invalid_signature', 'The Stripe-Signature header is missing');
    if (!rawBody?.length) throw new BillingError('missing_raw_body', 'The webhook needs the exact JSON body Stripe sent');
    let event: StripeEvent;
    try {
      event = this.stripe.verifyEvent(rawBody, signature);
    } catch (error) {
      throw new BillingError('invalid_signature', `The Stripe signature does not verify: ${(error as Error).message}`);
    }
    const handler = this.handlers[event.type];
    const at = new Date(event.created * 1000);
    const outcome = await this.billing.transaction(async (tx) => {
      if (!(await this.billing.claimEvent(tx, { id: event.id, type: event.type, createdAt: at })))
        return { duplicate: true, tenantId: null };
      return { duplicate: false, tenantId: handler ? await handler(tx, event, at) : null };
    });
    faultPoint('billing.after-commit');
    if (outcome.tenantId) this.entitlements.forget(outcome.tenantId);
    return { received: true, duplicate: outcome.duplicate, handled: Boolean(handler) };
  }

  /** Links the customer and subscription to the tenant that checked out, and applies the plan it bought. */
  private async checkoutCompleted(tx: EntityManager, session: StripeCheckoutSession, _at: Date): Promise<string | null> {
    const tenantId = session.client_reference_id ?? session.metadata?.tenantId;
    const customerId = idOf(session.customer);
    if (!tenantId || !customerId || !(await this.billing.tenantExists(tx, tenantId))) {
      this.logger.warn(`Checkout session ${session.id} names no known tenant; ignored`);
      return null;
    }
    await this.billing.ensureAccount(tenantId, customerId, tx);
    const account = await this.billing.lockAccountByCustomer(tx, customerId);
    if (account?.tenantId !== tenantId) {
      this.logger.warn(`Checkout session ${session.id}: customer ${customerId} is not the customer of tenant ${tenantId}; ignored`);
      return null;
    }
    if (account.lastEventAt) return tenantId; // Subscription events already said more than the checkout can.
    const plan = this.catalog.find(session.metadata?.plan ?? '');
    await this.billing.saveSubscription(tx, tenantId, {
      ...account,
      stripeSubscriptionId: idOf(session.subscription),
      subscriptionStatus: 'active',
      priceId: plan?.priceId ?? null,
    });
    if (plan) await this.billing.setTenantPlan(tx, tenantId, plan.name);
    return tenantId;
  }

  private async subscriptionChanged(tx: EntityManager, subscription: StripeSubscription, type: string, at: Date): Promise<string | null> {
    const account = await this.accountFor(tx, idOf(subscription.customer), subscription.metadata?.tenantId);
    if (!account) return null;
    if (this.isStale(account, subscription.id, type, at)) {
      this.logger.log(`Stale ${type} for ${subscription.id} ignored (newest applied ${account.lastEventAt?.toISOString()})`);
      return account.tenantId;
    }
    const status = type === 'customer.subscription.deleted' ? 'canceled' : subscription.status;
    const item = subscription.items?.data?.[0];
    const priceId = item?.price?.id ?? null;
    await this.billing.saveSubscription(tx, account.tenantId, {
      stripeSubscriptionId: subscription.id,
      subscriptionStatus: status,
      priceId,
      currentPeriodEnd: item?.current_period_end ? new Date(item.current_period_end * 1000) : null,
      cancelAtPeriodEnd: subscription.cancel_at_period_end ?? false,
      pastDueSince: OVERDUE.has(status) ? (account.pastDueSince ?? at) : null,
      lastEventAt: at,
    });
    const plan = SERVING.has(status)
      ? priceId
        ? this.catalog.byPriceId(priceId)
        : undefined
      : ENDED.has(status)
        ? this.catalog.defaultPlan
        : undefined;
    if (SERVING.has(status) && !plan)
      this.logger.warn(`Subscription ${subscription.id} is on price ${priceId}, which no plan names; the plan is unchanged`);
    if (plan) await this.billing.setTenantPlan(tx, account.tenantId, plan.name);
    return account.tenantId;
  }

  /**
   * Older than what was applied, or a `created` in the same second as an applied change, or any
   * change to a subscription already deleted: applying it would move the tenant back in time.
   */
  private isStale(account: BillingAccountRow, subscriptionId: string, type: string, at: Date): boolean {
    const sameSubscription = account.stripeSubscriptionId === subscriptionId;
    if (sameSubscription && account.subscriptionStatus === 'canceled') return true;
    if (!account.lastEventAt) return false;
    if (at < account.lastEventAt) return true;
    return at.getTime() === account.lastEventAt.getTime() && type === 'customer.subscription.created' && sameSubscription;
  }

  private async paymentOutcome(tx: EntityManager, invoice: StripeInvoice, paid: boolean, at: Date): Promise<string | null> {
    const account = await this.accountFor(tx, idOf(invoice.customer), undefined);
    if (!account) return null;
    if (account.lastPaymentEventAt && at < account.lastPaymentEventAt) return account.tenantId;
    await this.billing.savePaymentState(tx, account.tenantId, paid ? null : (account.pastDueSince ?? at), at);
    return account.tenantId;
  }

  /** The account of the customer, or of the tenant named in the metadata (a subscription made outside checkout). */
  private async accountFor(tx: EntityManager, customerId: string | null, tenantId: string | undefined): Promise<BillingAccountRow | null> {
    if (!customerId) return null;
    const found = await this.billing.lockAccountByCustomer(tx, customerId);
    if (found) return found;
    if (!tenantId || !(await this.billing.tenantExists(tx, tenantId))) {
      this.logger.warn(`Stripe customer ${customerId} belongs to no tenant; event ignored`);
      return null;
    }
    await this.billing.ensureAccount(tenantId, customerId, tx);
    return this.billing.lockAccountByCustomer(tx, customerId);
  }
}
