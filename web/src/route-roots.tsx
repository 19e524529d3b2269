import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, Outlet, redirect } from '@tanstack/react-router';
import { session } from './auth/session';
import { AppLayout } from './layout/app-layout';
import { NotFound } from './layout/not-found';

export interface RouterContext {
  queryClient: QueryClient;
}

/** The parents every page's route hangs from (each page group declares its routes under one of them). */
export const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Outlet, notFoundComponent: NotFound });

/** Every page behind sign-in: without a session the user goes to sign in and comes back. */
export const signedInRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'signed-in',
  beforeLoad: ({ location }) => {
    if (!session.token()) throw redirect({ to: '/sign-in', search: { next: location.href } });
  },
  component: AppLayout,
});
