import { z } from 'zod';
import { instant } from '../../common/openapi/views.js';

export const CheckoutBody = z.strictObject({
  plan: z.string().min(1).max(40),
});
export type CheckoutBody = z.output<typeof CheckoutBody>;

const limit = z.int().nullable().describe('null: unlimited');

export const PlanList = z.strictObject({
  billing: z.enum(['disabled', 'stripe']),
  items: z.array(
    z.strictObject({
      name: z.string(),
      title: z.string(),
      sold: z.boolean().describe('Whether a checkout can buy it'),
      default: z.boolean(),
      limits: z.record(z.string(), limit),
      plugins: z.array(z.string()).describe('Plugin names, `*` for all'),
    }),
  ),
});

export const Subscription = z.union([
  z.strictObject({ billing: z.literal('disabled'), plan: z.string(), status: z.null() }),
  z.strictObject({
    billing: z.literal('stripe'),
    plan: z.string(),
    status: z.string().nullable().describe("Stripe's subscription status"),
    customer: z.boolean(),
    currentPeriodEnd: instant.nullable(),
    cancelAtPeriodEnd: z.boolean(),
    pastDueSince: instant.nullable(),
    graceEndsAt: instant.nullable(),
  }),
]);

const counted = z.strictObject({ used: z.number(), limit });
export const Usage = z.strictObject({
  plan: z.string(),
  period: z.strictObject({ start: instant, end: instant }),
  runs: counted,
  stepSeconds: counted,
  concurrentRuns: counted,
  pipelines: counted,
});

/** Where to send the browser (Stripe Checkout or the customer portal). */
export const StripeRedirect = z.strictObject({ url: z.url() });

export const WebhookReceived = z.strictObject({ received: z.literal(true), duplicate: z.boolean(), handled: z.boolean() });
