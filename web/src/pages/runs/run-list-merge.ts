import type { RunPage, RunSummary } from './run-types';

export interface MergedRuns {
  rows: RunSummary[];
  /** More runs started since the list loaded than the polled first page holds: some are not shown. */
  gap: boolean;
}

/**
 * The list as the user sees it: the freshly polled first page (`head`) over the pages loaded while
 * scrolling (`pages`, loaded earlier). Pages are keyset pages, newest first, so the head covers
 * every run newer than its last one: an older copy of those in `pages` is replaced, and one the
 * head no longer has left the filter (a `status=running` run that ended) and is dropped.
 */
export function mergeRuns(head: RunPage | undefined, pages: RunPage[]): MergedRuns {
  const loaded = pages.flatMap((page) => page.items);
  if (!head || head.items.length === 0) return { rows: loaded, gap: false };
  const inHead = new Set(head.items.map((run) => run.id));
  const headIsAll = head.nextCursor === null;
  if (!headIsAll && loaded.length > 0 && !loaded.some((run) => inHead.has(run.id))) return { rows: loaded, gap: true };
  if (headIsAll) return { rows: head.items, gap: false };
  const oldestInHead = Date.parse(head.items[head.items.length - 1].createdAt);
  const older = loaded.filter((run) => !inHead.has(run.id) && Date.parse(run.createdAt) <= oldestInHead);
  return { rows: [...head.items, ...older], gap: false };
}
