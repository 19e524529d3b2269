import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { signedInRoute } from '../../route-roots';
import type { AlertsSearch } from './alerts-page';
import type { SchedulesSearch } from './schedules-page';
import type { TriggerSearch } from './trigger-page';
import type { TriggersSearch } from './triggers-page';

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
const oneOf = <T extends string>(value: unknown, allowed: readonly T[]) => (allowed.includes(value as T) ? (value as T) : undefined);

/** Schedules, triggers, plugins and alerts: what starts runs and who hears about them. */
export const operateRoutes = [
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/schedules',
    validateSearch: (search: Record<string, unknown>): SchedulesSearch => ({ pipeline: text(search.pipeline) }),
    component: lazyRouteComponent(() => import('./schedules-page'), 'SchedulesPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/schedules/$id',
    component: lazyRouteComponent(() => import('./schedule-page'), 'SchedulePage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/triggers',
    validateSearch: (search: Record<string, unknown>): TriggersSearch => ({
      type: oneOf(search.type, ['webhook', 'pipeline', 'event'] as const),
    }),
    component: lazyRouteComponent(() => import('./triggers-page'), 'TriggersPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/triggers/$id',
    validateSearch: (search: Record<string, unknown>): TriggerSearch => ({
      outcome: oneOf(search.outcome, ['started', 'failed', 'skipped'] as const),
    }),
    component: lazyRouteComponent(() => import('./trigger-page'), 'TriggerPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/plugins',
    component: lazyRouteComponent(() => import('./plugins-page'), 'PluginsPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/plugins/$name',
    component: lazyRouteComponent(() => import('./plugin-page'), 'PluginPage'),
  }),
  createRoute({
    getParentRoute: () => signedInRoute,
    path: '/alerts',
    validateSearch: (search: Record<string, unknown>): AlertsSearch => ({
      tab: oneOf(search.tab, ['channels'] as const),
      type: oneOf(search.type, ['run.failed', 'sla.breached', 'quality.failed', 'model.drift_detected'] as const),
      pipeline: text(search.pipeline),
    }),
    component: lazyRouteComponent(() => import('./alerts-page'), 'AlertsPage'),
  }),
] as const;
