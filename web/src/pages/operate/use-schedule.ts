import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';

/** One schedule with its next fire times and recent runs; the list's rows and the detail page share the answer. */
export function useScheduleDetail(id: string, enabled = true) {
  return useQuery({
    queryKey: ['schedules', 'detail', id],
    queryFn: () => ok(api.GET('/v1/schedules/{id}', { params: { path: { id } } })),
    enabled,
  });
}
