import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { signedInRoute } from '../../route-roots';
import type { PipelineDetailSearch } from './pipeline-detail-page';
import type { NewPipelineSearch } from './pipeline-editor-page';
import type { PipelinesSearch } from './pipelines-page';

const positiveInt = (value: unknown) => {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
};
const DETAIL_TABS = new Set(['versions', 'runs']);

/** The pipelines: the list (the first screen after sign-up), the editor, and each pipeline's page. */
export const pipelineRoutes = [
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/pipelines',
    validateSearch: (search: Record<string, unknown>): PipelinesSearch => ({
      q: typeof search.q === 'string' && search.q ? search.q : undefined,
      page: positiveInt(search.page),
    }),
    component: lazyRouteComponent(() => import('./pipelines-page'), 'PipelinesPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/pipelines/new',
    validateSearch: (search: Record<string, unknown>): NewPipelineSearch => ({ example: search.example === 'hello' ? 'hello' : undefined }),
    component: lazyRouteComponent(() => import('./pipeline-editor-page'), 'NewPipelinePage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/pipelines/$name',
    validateSearch: (search: Record<string, unknown>): PipelineDetailSearch => ({
      tab: typeof search.tab === 'string' && DETAIL_TABS.has(search.tab) ? (search.tab as PipelineDetailSearch['tab']) : undefined,
      from: positiveInt(search.from),
      to: positiveInt(search.to),
    }),
    component: lazyRouteComponent(() => import('./pipeline-detail-page'), 'PipelineDetailPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/pipelines/$name/edit',
    component: lazyRouteComponent(() => import('./pipeline-editor-page'), 'EditPipelinePage'),
  }),
] as const;
