import { useMutation, useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { rememberCheckout, forgetCheckout } from './checkout-memory';

const fetchSubscription = () => ok(api.GET('/v1/billing/subscription'));
const fetchUsage = () => ok(api.GET('/v1/billing/usage'));
const fetchPlans = () => ok(api.GET('/v1/billing/plans'));

export type Subscription = Awaited<ReturnType<typeof fetchSubscription>>;
export type Usage = Awaited<ReturnType<typeof fetchUsage>>;
export type Plan = Awaited<ReturnType<typeof fetchPlans>>['items'][number];

/** Billing is off on this installation: the reads say `billing: "disabled"`, the rest answer `404 billing_disabled`. */
export const isBillingDisabled = (error: unknown) => error instanceof ApiProblem && error.code === 'billing_disabled';

/** Stripe's subscription status; none without billing. */
export const statusOf = (subscription: Subscription) => (subscription.billing === 'stripe' ? subscription.status : null);

export const BILLING_KEY = ['billing'] as const;

/** The subscription; `pollEvery` answers, from the latest answer, how long until the next read (false: no more). */
export function useSubscription(pollEvery?: (latest: Subscription | undefined) => number | false) {
  return useQuery({
    queryKey: [...BILLING_KEY, 'subscription'],
    queryFn: fetchSubscription,
    refetchInterval: (query) => pollEvery?.(query.state.data) ?? false,
  });
}

export function useUsage(enabled: boolean) {
  return useQuery({ queryKey: [...BILLING_KEY, 'usage'], queryFn: fetchUsage, enabled });
}

export function usePlans() {
  return useQuery({ queryKey: [...BILLING_KEY, 'plans'], queryFn: fetchPlans, staleTime: 300_000 });
}

/** Leaving the console for a Stripe page: one seam, since no test browser can follow it. */
/** Whether a subscription is set to end with its paid period (a move back to the default plan). */
export function endingOf(subscription: Subscription | undefined): boolean {
  return Boolean(subscription && 'cancelAtPeriodEnd' in subscription && subscription.cancelAtPeriodEnd);
}

export const stripeRedirect = { follow: (url: string) => window.location.assign(url) };

/**
 * Starts a Stripe Checkout for a plan and leaves for it; what the tenant had before is kept so the
 * success page can tell when Stripe's webhook has landed.
 */
export function useCheckout(before: Subscription | undefined) {
  return useMutation({
    mutationFn: async (plan: string) => {
      rememberCheckout({
        fromPlan: before?.plan ?? null,
        fromStatus: before ? statusOf(before) : null,
        fromEnding: endingOf(before),
        toPlan: plan,
      });
      const { url } = await ok(api.POST('/v1/billing/checkout', { body: { plan } }));
      stripeRedirect.follow(url);
    },
    onError: forgetCheckout,
  });
}

/** Opens Stripe's customer portal: payment method, cancellation and invoices. */
export function usePortal() {
  return useMutation({
    mutationFn: async () => {
      const { url } = await ok(api.POST('/v1/billing/portal'));
      stripeRedirect.follow(url);
    },
  });
}
