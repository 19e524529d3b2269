import { Anchor, Box, Group, SegmentedControl, Stack, Table, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useMemo, useState } from 'react';
import { formatDuration, formatTime } from '../../components/format';
import { RunStatusBadge } from '../../components/run-status-badge';
import { elapsedMs } from './elapsed';
import { toGantt, type GanttRow } from './gantt-bars';
import { statusTone } from './run-status';
import type { RunStep } from './run-types';

const TICKS = [0, 25, 50, 75, 100];

/** The steps' attempts in time (a Gantt chart), or the same as a table. */
export function RunGantt({ steps, now, onOpenStep }: { steps: RunStep[]; now: number; onOpenStep: (stepId: string) => void }) {
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const gantt = useMemo(() => toGantt(steps, now), [steps, now]);
  if (!steps.length) return <Text c="dimmed">No step has started yet.</Text>;
  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="Show the timeline as"
        value={view}
        onChange={(next) => setView(next)}
        data={[
          { value: 'chart', label: 'Chart' },
          { value: 'table', label: 'Table' },
        ]}
        w="fit-content"
      />
      {view === 'chart' ? (
        <Box>
          <Group gap={0} wrap="nowrap" mb={4} aria-hidden>
            <Box w={{ base: 110, sm: 200 }} />
            <Box pos="relative" h={16} style={{ flex: 1 }}>
              {TICKS.map((tick) => (
                <Text key={tick} size="xs" c="dimmed" pos="absolute" left={`${tick}%`} style={{ transform: `translateX(-${tick}%)` }}>
                  +{formatDuration(((gantt.endMs - gantt.startMs) * tick) / 100)}
                </Text>
              ))}
            </Box>
          </Group>
          {gantt.rows.map((row) => (
            <GanttLane key={row.stepId} row={row} onOpen={() => onOpenStep(row.stepId)} />
          ))}
        </Box>
      ) : (
        <AttemptsTable steps={steps} now={now} onOpenStep={onOpenStep} />
      )}
    </Stack>
  );
}

function GanttLane({ row, onOpen }: { row: GanttRow; onOpen: () => void }) {
  return (
    <Group gap={0} wrap="nowrap" py={3}>
      <UnstyledButton onClick={onOpen} w={{ base: 110, sm: 200 }} pr="xs" aria-label={`Open step ${row.stepId}`}>
        <Text size="sm" truncate fw={500}>
          {row.stepId}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {row.items
            ? `${row.items.succeeded} ✓ ${row.items.failed} ✗ of ${row.items.total}`
            : row.retries
              ? `${row.retries} ${row.retries === 1 ? 'retry' : 'retries'}`
              : row.bars.length
                ? row.uses
                : row.status}
        </Text>
      </UnstyledButton>
      <Box
        pos="relative"
        h={24}
        bg="var(--mantine-color-default-hover)"
        style={{ flex: 1, borderRadius: 4 }}
        role="list"
        aria-label={`Attempts of ${row.stepId}`}
      >
        {row.bars.map((bar) => {
          const tone = statusTone(bar.status);
          return (
            <Box key={bar.key} role="listitem" aria-label={bar.label}>
              {bar.queued && (
                <Box
                  pos="absolute"
                  top={8}
                  h={8}
                  left={`${bar.queued.left}%`}
                  w={`${bar.queued.width}%`}
                  bg={tone.background}
                  style={{ borderRadius: 2 }}
                />
              )}
              <Tooltip label={bar.label} withinPortal multiline maw={360}>
                <Box
                  pos="absolute"
                  top={2}
                  h={20}
                  left={`${bar.ran.left}%`}
                  w={`${bar.ran.width}%`}
                  bg={tone.border}
                  style={{ borderRadius: 3 }}
                />
              </Tooltip>
            </Box>
          );
        })}
      </Box>
    </Group>
  );
}

function AttemptsTable({ steps, now, onOpenStep }: { steps: RunStep[]; now: number; onOpenStep: (stepId: string) => void }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped>
        <Table.Caption>Every attempt of every step (of a forEach step, its first items), oldest first</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Step</Table.Th>
            <Table.Th>Attempt</Table.Th>
            <Table.Th>Queued</Table.Th>
            <Table.Th>Started</Table.Th>
            <Table.Th>Ran for</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {steps.flatMap((step) =>
            step.attempts.map((a) => (
              <Table.Tr key={`${step.id}:${a.item ?? ''}:${a.attempt}`}>
                <Table.Td>
                  <Anchor component="button" type="button" size="sm" onClick={() => onOpenStep(step.id)}>
                    {step.id}
                  </Anchor>
                  {a.item !== undefined && ` [${a.item}]`}
                </Table.Td>
                <Table.Td>{a.attempt}</Table.Td>
                <Table.Td>{formatTime(a.queuedAt)}</Table.Td>
                <Table.Td>{formatTime(a.startedAt)}</Table.Td>
                <Table.Td>{formatDuration(elapsedMs(a.startedAt, a.endedAt, now))}</Table.Td>
                <Table.Td>
                  <RunStatusBadge status={a.status} size="sm" />
                </Table.Td>
              </Table.Tr>
            )),
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
