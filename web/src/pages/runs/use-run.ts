import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { followStream } from '../../api/live-stream';
import { fetchRun, runKeys } from './run-queries';
import { isRunActive } from './run-status';

/** At most one re-read of the run per this while its events pour in (a forEach step sends many). */
const REFRESH_THROTTLE_MS = 750;
/** When the event stream is refused (too many open), the run is read this often instead. */
const FALLBACK_POLL_MS = 5_000;

export type LiveMode = 'streaming' | 'polling' | 'ended';

/**
 * The run (GET /v1/runs/{id}), kept current while it is active: each event on its SSE stream
 * (GET /v1/runs/{id}/events) has the run read again, throttled; the stream ends when the run does.
 */
export function useRun(runId: string) {
  const queryClient = useQueryClient();
  const [streamRefused, setStreamRefused] = useState<string | null>(null);
  const run = useQuery({
    queryKey: runKeys.run(runId),
    queryFn: () => fetchRun(runId),
    refetchInterval: (query) =>
      streamRefused === runId && query.state.data && isRunActive(query.state.data.status) ? FALLBACK_POLL_MS : false,
  });
  const active = run.data ? isRunActive(run.data.status) : false;

  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => void queryClient.invalidateQueries({ queryKey: runKeys.run(runId) });
    const refreshSoon = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        refresh();
      }, REFRESH_THROTTLE_MS);
    };
    followStream(`/v1/runs/${encodeURIComponent(runId)}/events`, refreshSoon, controller.signal).then(refresh, () => {
      if (!controller.signal.aborted) setStreamRefused(runId);
    });
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [runId, active, queryClient]);

  const live: LiveMode = !active ? 'ended' : streamRefused === runId ? 'polling' : 'streaming';
  return { run, live };
}
