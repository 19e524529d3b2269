import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { signedInRoute } from '../../route-roots';
import { parseModelSearch } from './model-search';
import { parseObservabilitySearch } from './observability-search';

/** Observability (runs, steps, lineage) and the model registry. */
export const insightRoutes = [
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/observability',
    validateSearch: parseObservabilitySearch,
    component: lazyRouteComponent(() => import('./observability-page'), 'ObservabilityPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/models',
    component: lazyRouteComponent(() => import('./models-page'), 'ModelsPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/models/$name',
    validateSearch: parseModelSearch,
    component: lazyRouteComponent(() => import('./model-page'), 'ModelPage'),
  }),
] as const;
