import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { api, ok } from '../../api/client';
import { followStream } from '../../api/live-stream';
import { appendLines, toLogLine, type LogLine } from './log-lines';
import { runKeys } from './run-queries';
import type { RunEvent } from './run-types';

interface EventPage {
  items: RunEvent[];
  nextCursor: string | null;
}

const PAGE_SIZE = 1_000;
/** A live log keeps its last lines this many; once the run ended, every line can be paged in. */
export const LIVE_LINE_LIMIT = 20_000;
/** Lines arriving live are shown in batches, not one render each. */
const FLUSH_MS = 200;

/**
 * A run's log lines, of one step or all: followed live (SSE) while the run is active, read in JSON
 * pages once it ended (which then replace the live ones, complete).
 */
export function useRunLogs(runId: string, step: string | null, active: boolean) {
  const key = `${runId}:${step ?? ''}`;
  const [live, setLive] = useState<{ key: string; lines: LogLine[]; error: unknown }>({ key, lines: [], error: null });

  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    let pending: LogLine[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const batch = pending;
      pending = [];
      setLive((current) => ({ key, lines: appendLines(current.key === key ? current.lines : [], batch, LIVE_LINE_LIMIT), error: null }));
    };
    const query = step ? `?step=${encodeURIComponent(step)}` : '';
    followStream(
      `/v1/runs/${encodeURIComponent(runId)}/logs${query}`,
      (message) => {
        const line = toLogLine(JSON.parse(message.data) as Record<string, unknown>);
        if (!line) return;
        pending.push(line);
        timer ??= setTimeout(flush, FLUSH_MS);
      },
      controller.signal,
    ).catch((error: unknown) => {
      if (!controller.signal.aborted) setLive((current) => ({ ...current, key, error }));
    });
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [runId, step, key, active]);

  const streamed = live.key === key ? live : { lines: [], error: null };
  // A refused stream (too many open) falls back to reading the pages again and again.
  const polling = active && streamed.error !== null;
  const pages = useInfiniteQuery({
    queryKey: runKeys.logs(runId, step),
    queryFn: async ({ pageParam }) => {
      const query = { limit: PAGE_SIZE, ...(step ? { step } : {}), ...(pageParam ? { after: pageParam } : {}) };
      // Without `Accept: text/event-stream` the answer is the JSON page (the schema lists both media types).
      return (await ok(api.GET('/v1/runs/{id}/logs', { params: { path: { id: runId }, query } }))) as EventPage;
    },
    initialPageParam: 0,
    getNextPageParam: (last) => (last.nextCursor ? Number(last.nextCursor) : undefined),
    enabled: !active || polling,
    refetchInterval: polling ? 5_000 : false,
  });
  const paged = useMemo(
    () => pages.data?.pages.flatMap((page) => page.items.map(toLogLine).filter((line): line is LogLine => line !== null)),
    [pages.data],
  );

  return {
    lines: paged ?? streamed.lines,
    live: active && !polling,
    error: pages.error,
    isPending: (!active || polling) && pages.isPending,
    hasMore: pages.hasNextPage,
    isLoadingMore: pages.isFetchingNextPage,
    loadMore: () => void pages.fetchNextPage(),
  };
}
