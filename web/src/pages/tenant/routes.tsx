import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { signedInRoute } from '../../route-roots';

/** The tenant's people, credentials and record: members, API keys, secrets, single sign-on and the audit log. */
export const tenantRoutes = [
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/members',
    component: lazyRouteComponent(() => import('./members-page'), 'MembersPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/api-keys',
    component: lazyRouteComponent(() => import('./api-keys-page'), 'ApiKeysPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/secrets',
    component: lazyRouteComponent(() => import('./secrets-page'), 'SecretsPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/sso',
    component: lazyRouteComponent(() => import('./sso-page'), 'SsoPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/audit',
    component: lazyRouteComponent(() => import('./audit-page'), 'AuditPage'),
  }),
] as const;
