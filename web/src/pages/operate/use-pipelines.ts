import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';

/** The tenant's pipeline names, for the selects that name a pipeline (schedules, triggers, filters). */
export function usePipelineNames() {
  return useQuery({
    queryKey: ['pipelines', 'names'],
    queryFn: async () => {
      const page = await ok(api.GET('/v1/pipelines', { params: { query: { limit: 500 } } }));
      return page.items.map((pipeline) => pipeline.name).sort();
    },
    staleTime: 30_000,
  });
}
