import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { signedInRoute } from '../../route-roots';
import type { BillingSuccessSearch } from './billing-return-pages';

/** The billing portal and the two pages Stripe Checkout returns to (PUBLIC_URL/billing/success and /billing/cancelled). */
export const billingRoutes = [
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/billing',
    component: lazyRouteComponent(() => import('./billing-page'), 'BillingPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/billing/success',
    validateSearch: (search: Record<string, unknown>): BillingSuccessSearch => ({
      session_id: typeof search.session_id === 'string' ? search.session_id : undefined,
    }),
    component: lazyRouteComponent(() => import('./billing-return-pages'), 'BillingSuccessPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/billing/cancelled',
    component: lazyRouteComponent(() => import('./billing-return-pages'), 'BillingCancelledPage'),
  }),
] as const;
