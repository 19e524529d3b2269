import type { QueryClient } from '@tanstack/react-query';
import { createRoute, createRouter, redirect } from '@tanstack/react-router';
import { authRoutes } from './pages/auth/routes';
import { billingRoutes } from './pages/billing/routes';
import { insightRoutes } from './pages/insights/routes';
import { operateRoutes } from './pages/operate/routes';
import { pipelineRoutes } from './pages/pipelines/routes';
import { runRoutes } from './pages/runs/routes';
import { tenantRoutes } from './pages/tenant/routes';
import { rootRoute, signedInRoute } from './route-roots';

const home = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/runs' });
  },
});

const routeTree = rootRoute.addChildren([
  ...authRoutes,
  signedInRoute.addChildren([home, ...runRoutes, ...pipelineRoutes, ...operateRoutes, ...insightRoutes, ...tenantRoutes, ...billingRoutes]),
]);

export function createConsoleRouter(queryClient: QueryClient) {
  return createRouter({ routeTree, context: { queryClient }, defaultPreload: 'intent', scrollRestoration: true });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createConsoleRouter>;
  }
}
