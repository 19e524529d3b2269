import { Box, Center, Group, Loader, ScrollArea, Table, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useMemo, useRef, type MouseEvent } from 'react';
import { RunLink } from '../../components/anchor-link';
import { formatDateTime, formatDuration } from '../../components/format';
import { RunStatusBadge } from '../../components/run-status-badge';
import { elapsedMs, useNow } from './elapsed';
import { isRunActive, RUN_TRIGGER_LABEL } from './run-status';
import type { RunSummary } from './run-types';

const ROW_HEIGHT = 41;
/** Start loading the next page this many rows before the end, so that scrolling rarely waits. */
const PREFETCH_ROWS = 30;
const COLUMNS = 6;

/**
 * The runs as a table that stays smooth at any length: only the rows in view (and a few around them)
 * are in the DOM, padded above and below to the height the others would take.
 */
export function RunsTable({
  runs,
  hasMore,
  isLoadingMore,
  onNearEnd,
}: {
  runs: RunSummary[];
  hasMore: boolean;
  isLoadingMore: boolean;
  onNearEnd: () => void;
}) {
  const viewport = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler here; the virtualizer re-renders on scroll itself
  const virtualizer = useVirtualizer({
    count: runs.length,
    getScrollElement: () => viewport.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Until the viewport is measured (and in tests, where nothing is), assume a screenful.
    initialRect: { width: 1280, height: 720 },
  });
  const items = virtualizer.getVirtualItems();
  const lastInView = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (hasMore && !isLoadingMore && lastInView >= runs.length - PREFETCH_ROWS) onNearEnd();
  }, [hasMore, isLoadingMore, lastInView, runs.length, onNearEnd]);
  const now = useNow(useMemo(() => runs.some((run) => isRunActive(run.status)), [runs]));

  const padTop = items.length ? items[0].start : 0;
  const padBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1].end : 0;
  return (
    <ScrollArea h="calc(100dvh - 330px)" mih={320} viewportRef={viewport} type="auto" offsetScrollbars>
      <Table stickyHeader layout="fixed" miw={960} highlightOnHover aria-rowcount={runs.length + 1}>
        <Table.Thead>
          <Table.Tr aria-rowindex={1}>
            <Table.Th w={120}>Status</Table.Th>
            <Table.Th w={220}>Pipeline</Table.Th>
            <Table.Th w={150}>Trigger</Table.Th>
            <Table.Th w={190}>Started</Table.Th>
            <Table.Th w={120}>Duration</Table.Th>
            <Table.Th>Error</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {padTop > 0 && <SpacerRow height={padTop} />}
          {items.map((item) => (
            <RunRow key={runs[item.index].id} run={runs[item.index]} index={item.index} now={now} />
          ))}
          {padBottom > 0 && <SpacerRow height={padBottom} />}
        </Table.Tbody>
      </Table>
      {(isLoadingMore || hasMore) && (
        <Center py="sm">
          {isLoadingMore ? <Loader size="sm" aria-label="Loading more runs" /> : <Text size="sm">Scroll for older runs</Text>}
        </Center>
      )}
    </ScrollArea>
  );
}

function SpacerRow({ height }: { height: number }) {
  return (
    <Table.Tr aria-hidden>
      <Table.Td colSpan={COLUMNS} h={height} p={0} />
    </Table.Tr>
  );
}

function RunRow({ run, index, now }: { run: RunSummary; index: number; now: number }) {
  const navigate = useNavigate();
  // The pipeline cell's link is the keyboard's way in; a click anywhere else on the row goes there too.
  const open = (event: MouseEvent) => {
    if ((event.target as HTMLElement).closest('a')) return;
    void navigate({ to: '/runs/$runId', params: { runId: run.id } });
  };
  return (
    <Table.Tr h={ROW_HEIGHT} aria-rowindex={index + 2} onClick={open} style={{ cursor: 'pointer' }}>
      <Table.Td>
        <RunStatusBadge status={run.status} />
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <RunLink id={run.id} truncate>
            {run.pipeline}
          </RunLink>
          <Text size="xs" c="dimmed">
            v{run.version}
          </Text>
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm" truncate>
          {RUN_TRIGGER_LABEL[run.trigger]}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" truncate title={run.startedAt ?? run.createdAt}>
          {run.startedAt ? formatDateTime(run.startedAt) : `queued ${formatDateTime(run.createdAt)}`}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDuration(elapsedMs(run.startedAt, run.endedAt, now))}</Text>
      </Table.Td>
      <Table.Td>
        {run.error && (
          <Box title={run.error.message}>
            <Text size="sm" c="red" truncate>
              {run.error.step ? `${run.error.step}: ` : ''}
              {run.error.message}
              {run.error.stepCode || run.error.code ? ` (${run.error.stepCode ?? run.error.code})` : ''}
            </Text>
          </Box>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
