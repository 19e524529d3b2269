import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { signedInRoute } from '../../route-roots';
import { parseRunsSearch } from './run-filters';
import { parseRunSearch } from './run-search';

/** The runs list (filters in the URL) and one run (its open step and tab in the URL). */
export const runRoutes = [
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/runs',
    validateSearch: parseRunsSearch,
    component: lazyRouteComponent(() => import('./runs-page'), 'RunsPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/runs/$runId',
    validateSearch: parseRunSearch,
    component: lazyRouteComponent(() => import('./run-page'), 'RunPage'),
  }),
] as const;
