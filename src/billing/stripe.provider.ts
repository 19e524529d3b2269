import { Injectable, Inject } from '@nestjs/common';
import Stripe from 'stripe';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
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

  async createPortalSession(customerId: string, returnUrl: string): Promise<string> {
    return (await this.userFacing(() => this.stripe().billingPortal.sessions.create({ customer: customerId, return_url: returnUrl }))).url;
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

  /** A Stripe failure in a user's request is Stripe's, not Baton's: 502 with what Stripe said. */
  private async userFacing<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof Stripe.errors.StripeError)
        throw new BillingError('stripe_unavailable', `Stripe refused or did not answer: ${error.message}`);
      throw error;
    }
  }

  private stripe(): Stripe {
    if (!this.client) throw new Error('Billing is off (STRIPE_SECRET_KEY is unset)');
    return this.client;
  }
}

function endpointOf(url: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!url) return {};
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'http:' ? 'http' : 'https';
  return { host: parsed.hostname, port: parsed.port || (protocol === 'http' ? 80 : 443), protocol };
}
