import { Badge, Box, Center, Group, Loader, ScrollArea, Select, Switch, Text, TextInput, type MantineColor } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatTime } from '../../components/format';
import { ProblemAlert } from '../../components/problem-alert';
import { searchLines, type LogLevel, type LogLine } from './log-lines';
import { useRunLogs } from './use-run-logs';

const LINE_HEIGHT = 22;
const LEVEL_COLOR: Record<LogLevel, MantineColor> = { debug: 'gray', info: 'blue', warn: 'orange', error: 'red' };

/** A run's log lines: of one step or all, searchable, followed live while the run is active. */
export function RunLogs({
  runId,
  active,
  steps,
  step,
  onStepChange,
}: {
  runId: string;
  active: boolean;
  steps: string[];
  step: string | null;
  onStepChange: (step: string | null) => void;
}) {
  const logs = useRunLogs(runId, step, active);
  const [search, setSearch] = useState('');
  const [follow, setFollow] = useState(true);
  const shown = useMemo(() => searchLines(logs.lines, search), [logs.lines, search]);

  return (
    <Box>
      <Group align="flex-end" gap="sm" mb="sm" wrap="wrap">
        <Select
          label="Step"
          placeholder="All steps"
          data={steps}
          value={step}
          onChange={onStepChange}
          clearable
          searchable
          w={{ base: '100%', xs: 200 }}
        />
        <TextInput
          label="Search the lines"
          placeholder="Words to find"
          type="search"
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
          w={{ base: '100%', xs: 260 }}
        />
        {logs.live && (
          <>
            <Switch label="Follow new lines" checked={follow} onChange={(event) => setFollow(event.currentTarget.checked)} mb={8} />
            <Badge color="blue" variant="dot" mb={8}>
              live
            </Badge>
          </>
        )}
      </Group>
      <ProblemAlert error={logs.error} title="The logs could not be read" />
      <Text size="xs" c="dimmed" mb={4} aria-live="polite">
        {search ? `${shown.length} of ${logs.lines.length} lines match` : `${logs.lines.length} lines`}
        {logs.hasMore ? ' (older first; more load as you scroll)' : ''}
      </Text>
      {logs.isPending ? (
        <Center py="md">
          <Loader size="sm" aria-label="Loading the logs" />
        </Center>
      ) : (
        <LogList
          lines={shown}
          follow={follow && logs.live}
          hasMore={logs.hasMore}
          isLoadingMore={logs.isLoadingMore}
          onNearEnd={logs.loadMore}
        />
      )}
    </Box>
  );
}

function LogList({
  lines,
  follow,
  hasMore,
  isLoadingMore,
  onNearEnd,
}: {
  lines: LogLine[];
  follow: boolean;
  hasMore: boolean;
  isLoadingMore: boolean;
  onNearEnd: () => void;
}) {
  const viewport = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler here; the virtualizer re-renders on scroll itself
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => viewport.current,
    estimateSize: () => LINE_HEIGHT,
    overscan: 20,
    initialRect: { width: 1000, height: 420 },
  });
  useEffect(() => {
    if (follow && lines.length) virtualizer.scrollToIndex(lines.length - 1, { align: 'end' });
  }, [follow, lines.length, virtualizer]);
  const items = virtualizer.getVirtualItems();
  const lastInView = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (hasMore && !isLoadingMore && lastInView >= lines.length - 50) onNearEnd();
  }, [hasMore, isLoadingMore, lastInView, lines.length, onNearEnd]);

  if (!lines.length)
    return (
      <Text c="dimmed" size="sm" py="md">
        No log lines{hasMore || isLoadingMore ? ' yet' : ''}.
      </Text>
    );
  return (
    <ScrollArea h={420} viewportRef={viewport} type="auto" bd="1px solid var(--mantine-color-default-border)" style={{ borderRadius: 4 }}>
      <Box role="log" aria-label="Log lines" pos="relative" h={virtualizer.getTotalSize()} ff="monospace" fz="xs">
        {items.map((item) => {
          const line = lines[item.index];
          return (
            <Group
              key={line.id}
              ref={virtualizer.measureElement}
              data-index={item.index}
              gap="xs"
              wrap="nowrap"
              align="flex-start"
              pos="absolute"
              top={0}
              left={0}
              w="100%"
              px="xs"
              py={2}
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <Text span fz="xs" c="dimmed" style={{ flexShrink: 0 }}>
                {formatTime(line.at)}
              </Text>
              <Text span fz="xs" fw={700} c={LEVEL_COLOR[line.level]} w={40} style={{ flexShrink: 0 }}>
                {line.level}
              </Text>
              <Text span fz="xs" c="dimmed" style={{ flexShrink: 0 }}>
                {line.stepId}
                {line.item === undefined ? '' : `[${line.item}]`}
              </Text>
              <Text span fz="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                {line.message}
                {line.fields ? ` ${JSON.stringify(line.fields)}` : ''}
              </Text>
            </Group>
          );
        })}
      </Box>
    </ScrollArea>
  );
}
