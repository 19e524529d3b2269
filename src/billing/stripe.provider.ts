import { Injectable, Inject } from '@nestjs/common';
import Stripe from 'stripe';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { RequestValidationError } from '../common/errors/baton-error.js';
import { BillingError } from './billing.errors.js';

export type StripeEvent = Stripe.Event;
export type StripeSubscription = Stripe.Subscription;
export type StripeInvoice = Stripe.Invoice;
export type StripeCheckoutSession = Stripe.Checkout.Session;

/** How far a webhook's signed timestamp may lag behind the clock (Stripe's default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * The one place the Stripe SDK is used. `STRIPE_API_URL` points it at stripe-mock in the tests;
 * every call that creates something carries an idempotency key, so a retried call never
 * creates twice.
 */
@Injectable()
export class StripeGateway {
  private readonly client: Stripe | null;

  constructor(
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'STRIPE_API_URL'>,
  ) {
    this.client = config.STRIPE_SECRET_KEY
      ? new Stripe(config.STRIPE_SECRET_KEY, {
          ...endpointOf(config.STRIPE_API_URL),
          maxNetworkRetries: 2,
          timeout: 20_000,
          telemetry: false,
        })
      : null;
  }

  get enabled(): boolean {
    return this.client !== null;
  }

  async createCustomer(tenant: { id: string; name: string }, email: string | undefined): Promise<string> {
    const customer = await this.userFacing(() =>
      this.stripe().customers.create(
        { name: tenant.name, ...(email ? { email } : {}), metadata: { tenantId: tenant.id } },
        { idempotencyKey: `baton-customer-${tenant.id}` },
      ),
    );
    return customer.id;
  }

  async createCheckoutSession(input: {
    customerId: string;
    priceId: string;
    tenantId: string;
    plan: string;
    successUrl: string;
    cancelUrl: string;
  }): Promise<string> {
    const session = await this.userFacing(() =>
      this.stripe().checkout.sessions.create({
        mode: 'subscription',
        customer: input.customerId,
        client_reference_id: input.tenantId,
        line_items: [{ price: input.priceId, quantity: 1 }],
        metadata: { tenantId: input.tenantId, plan: input.plan },
        subscription_data: { metadata: { tenantId: input.tenantId, plan: input.plan } },
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
      }),
    );
    if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
    return session.url;
  }

  /** Moves a subscription's one item to another price, prorated, and undoes a pending cancellation. */
  async changeSubscriptionPrice(subscriptionId: string, priceId: string, metadata: { tenantId: string; plan: string }): Promise<void> {
    const subscription = await this.userFacing(() => this.stripe().subscriptions.retrieve(subscriptionId));
    const item = subscription.items.data[0];
    if (!item) throw new Error(`Stripe subscription ${subscriptionId} has no item`);
    await this.userFacing(() =>
      this.stripe().subscriptions.update(subscriptionId, {
        items: [{ id: item.id, price: priceId }],
        proration_behavior: 'create_prorations',
        cancel_at_period_end: false,
        metadata,
      }),
    );
  }

  /** Ends a subscription when its paid period ends (Stripe then sends customer.subscription.deleted). */
  async cancelAtPeriodEnd(subscriptionId: string): Promise<void> {
    await this.userFacing(() => this.stripe().subscriptions.update(subscriptionId, { cancel_at_period_end: true }));
  }

  async createPortalSession(customerId: string, returnUrl: string): Promise<string> {
    return (await this.userFacing(() => this.stripe().billingPortal.sessions.create({ customer: customerId, return_url: returnUrl }))).url;
  }

  /**
   * A page of one customer's invoices, newest first (Stripe's order), after the invoice
   * `startingAfter` when given. An invoice id Stripe does not know there is the caller's bad cursor.
   */
  async listInvoices(customerId: string, limit: number, startingAfter?: string): Promise<{ invoices: StripeInvoice[]; hasMore: boolean }> {
    try {
      const page = await this.stripe().invoices.list({
        customer: customerId,
        limit,
        ...(startingAfter ? { starting_after: startingAfter } : {}),
      });
      return { invoices: page.data, hasMore: page.has_more };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.param === 'starting_after')
        throw new RequestValidationError([{ path: 'query.cursor', message: 'Not a cursor this API returned' }]);
      throw userFacingError(error);
    }
  }

  /** Verifies the signature over the exact bytes received and the timestamp; throws when either is wrong. */
  verifyEvent(rawBody: Buffer, signature: string): StripeEvent {
    return this.stripe().webhooks.constructEvent(rawBody, signature, this.config.STRIPE_WEBHOOK_SECRET!, WEBHOOK_TOLERANCE_SECONDS);
  }

  /** Stripe deduplicates meter events by `identifier`; the idempotency key covers the request's own retries. */
  async reportMeterEvent(event: {
    eventName: string;
    customerId: string;
    value: number;
    identifier: string;
    timestamp: Date;
  }): Promise<void> {
    await this.stripe().billing.meterEvents.create(
      {
        event_name: event.eventName,
        identifier: event.identifier,
        timestamp: Math.floor(event.timestamp.getTime() / 1000),
        payload: { stripe_customer_id: event.customerId, value: String(event.value) },
      },
      { idempotencyKey: `baton-meter-${event.identifier}` },
    );
  }

  private async userFacing<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw userFacingError(error);
    }
  }

  private stripe(): Stripe {
    if (!this.client) throw new Error('Billing is off (STRIPE_SECRET_KEY is unset)');
    return this.client;
  }
}

/** A Stripe failure in a user's request is Stripe's, not Baton's: 502 with what Stripe said. */
function userFacingError(error: unknown): unknown {
  return error instanceof Stripe.errors.StripeError
    ? new BillingError('stripe_unavailable', `Stripe refused or did not answer: ${error.message}`)
    : error;
}

function endpointOf(url: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!url) return {};
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'http:' ? 'http' : 'https';
  return { host: parsed.hostname, port: parsed.port || (protocol === 'http' ? 80 : 443), protocol };
}
