import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute as root } from '../../route-roots';
import type { SignInSearch } from './sign-in-page';

/** The signed-out pages; the mailed links (PUBLIC_URL/account/verify, …) open the last three. */
export const authRoutes = [
  createRoute({
    getParentRoute: () => root,
    path: '/sign-in',
    validateSearch: (search: Record<string, unknown>): SignInSearch => ({
      next: typeof search.next === 'string' ? search.next : undefined,
      expired: search.expired === true || undefined,
    }),
    component: lazyRouteComponent(() => import('./sign-in-page'), 'SignInPage'),
  }),
  createRoute({
    getParentRoute: () => root,
    path: '/sign-in/sso',
    component: lazyRouteComponent(() => import('./sso-sign-in-page'), 'SsoSignInPage'),
  }),
  createRoute({
    getParentRoute: () => root,
    path: '/sign-up',
    component: lazyRouteComponent(() => import('./sign-up-page'), 'SignUpPage'),
  }),
  createRoute({
    getParentRoute: () => root,
    path: '/account/forgot-password',
    component: lazyRouteComponent(() => import('./account-link-pages'), 'ForgotPasswordPage'),
  }),
  createRoute({
    getParentRoute: () => root,
    path: '/account/verify',
    component: lazyRouteComponent(() => import('./account-link-pages'), 'VerifyEmailPage'),
  }),
  createRoute({
    getParentRoute: () => root,
    path: '/account/reset-password',
    component: lazyRouteComponent(() => import('./account-link-pages'), 'ResetPasswordPage'),
  }),
  createRoute({
    getParentRoute: () => root,
    path: '/invitations/accept',
    component: lazyRouteComponent(() => import('./account-link-pages'), 'AcceptInvitationPage'),
  }),
] as const;
