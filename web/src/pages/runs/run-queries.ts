import { api, ok } from '../../api/client';
import type { RunListQuery } from './run-types';

/** The query keys of this group's data, in one place so that invalidations match what is cached. */
export const runKeys = {
  pages: (query: RunListQuery) => ['runs', 'pages', query] as const,
  head: (query: RunListQuery) => ['runs', 'head', query] as const,
  run: (id: string) => ['runs', 'one', id] as const,
  logs: (id: string, step: string | null) => ['runs', 'logs', id, step] as const,
  pipelineNames: ['pipelines', 'names'] as const,
};

export const RUNS_PAGE_SIZE = 100;

export const fetchRunPage = (query: RunListQuery, cursor?: string) =>
  ok(api.GET('/v1/runs', { params: { query: { ...query, limit: RUNS_PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }));

export const fetchRun = (id: string) => ok(api.GET('/v1/runs/{id}', { params: { path: { id } } }));
