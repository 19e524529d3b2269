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

/**
 * A plan change: `checkout` sends the browser to Stripe Checkout (no subscription yet); `updated`
 * moved the subscription to the plan's price at once; `cancel_at_period_end` leaves the paid plan
 * when the period ends (back to the default plan). Either way `url` is where the browser goes next,
 * and the plan changes when Stripe's webhook lands.
 */
export const PlanChange = z.strictObject({ url: z.url(), change: z.enum(['checkout', 'updated', 'cancel_at_period_end']) });

export const WebhookReceived = z.strictObject({ received: z.literal(true), duplicate: z.boolean(), handled: z.boolean() });

export const InvoiceListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(400).optional(),
});
export type InvoiceListQuery = z.output<typeof InvoiceListQuery>;

/** Amounts are in the currency's smallest unit (cents for `usd`), as Stripe gives them. */
export const Invoice = z.strictObject({
  id: z.string().describe("Stripe's invoice id (`in_…`)"),
  number: z.string().nullable().describe('Set once the invoice is finalized'),
  status: z.string().nullable().describe("Stripe's: `draft`, `open`, `paid`, `uncollectible` or `void`"),
  amountDue: z.int(),
  amountPaid: z.int(),
  currency: z.string().describe('ISO 4217, lower case'),
  createdAt: instant,
  period: z.strictObject({ start: instant, end: instant }).describe('The usage period the invoice bills'),
  hostedInvoiceUrl: z.url().nullable().describe("Stripe's page to see and pay the invoice; null until it is finalized"),
  invoicePdf: z.url().nullable().describe('The invoice as a PDF; null until it is finalized'),
});

/** Newest first. Without billing, or before the tenant's first checkout, there are none. */
export const InvoicePage = z.strictObject({
  billing: z.enum(['disabled', 'stripe']),
  items: z.array(Invoice),
  nextCursor: z.string().nullable(),
});

export const UsageHistoryQuery = z.strictObject({
  months: z.coerce.number().int().min(1).max(24).default(12).describe('How many calendar months, this one included'),
});
export type UsageHistoryQuery = z.output<typeof UsageHistoryQuery>;

/** Runs and step-seconds counted per calendar month (UTC), oldest first, months without runs included. */
export const UsageHistory = z.strictObject({
  items: z.array(
    z.strictObject({
      period: z.strictObject({ start: instant, end: instant }),
      runs: z.int(),
      stepSeconds: z.int(),
    }),
  ),
});
