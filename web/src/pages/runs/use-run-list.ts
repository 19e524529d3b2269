import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { toRunListQuery, type RunsSearch } from './run-filters';
import { mergeRuns } from './run-list-merge';
import { fetchRunPage, runKeys } from './run-queries';

/** How often the newest runs are read again while the tab is visible (GET /v1/runs has no live stream). */
const POLL_MS = 5_000;

/**
 * The runs matching `search`: pages loaded as the user scrolls (keyset cursors), and the first page
 * polled so that new runs and status changes show up live.
 */
export function useRunList(search: RunsSearch) {
  const query = useMemo(() => toRunListQuery(search), [search]);
  const queryClient = useQueryClient();
  const head = useQuery({
    queryKey: runKeys.head(query),
    queryFn: async () => {
      const page = await fetchRunPage(query);
      // The first read is also the scrolled list's first page, rather than asking for it twice.
      if (!queryClient.getQueryData(runKeys.pages(query)))
        queryClient.setQueryData(runKeys.pages(query), { pages: [page], pageParams: [undefined] });
      return page;
    },
    refetchInterval: POLL_MS,
  });
  const pages = useInfiniteQuery({
    queryKey: runKeys.pages(query),
    queryFn: ({ pageParam }) => fetchRunPage(query, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: head.isSuccess,
    // Refetching would re-read every page scrolled through; the polled head keeps the top fresh instead.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const merged = useMemo(() => mergeRuns(head.data, pages.data?.pages ?? []), [head.data, pages.data]);
  return {
    ...merged,
    isPending: head.isPending || (head.isSuccess && pages.isPending),
    error: head.error ?? pages.error,
    hasMore: pages.hasNextPage,
    isLoadingMore: pages.isFetchingNextPage,
    loadMore: () => void pages.fetchNextPage(),
    /** Starts over from the newest runs (after a gap). */
    reload: () => void queryClient.resetQueries({ queryKey: runKeys.pages(query) }),
  };
}
