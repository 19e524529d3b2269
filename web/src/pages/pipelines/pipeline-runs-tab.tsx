import { Anchor, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { AnchorLink, RunLink } from '../../components/anchor-link';
import { formatDateTime } from '../../components/format';
import { ProblemAlert } from '../../components/problem-alert';
import { RunStatusBadge } from '../../components/run-status-badge';
import { pipelineKeys, recentRuns } from './pipelines-api';

const RECENT = 25;

/** The pipeline's latest runs, each linking to its page; `onRun` is absent when the user may not start one. */
export function PipelineRunsTab({ name, onRun }: { name: string; onRun?: () => void }) {
  const runs = useQuery({ queryKey: pipelineKeys.runs(name, RECENT), queryFn: () => recentRuns(name, RECENT) });
  if (runs.error) return <ProblemAlert error={runs.error} title="Could not list the runs" />;
  if (!runs.data) return <Loader size="sm" aria-label="Loading the runs" />;
  if (runs.data.items.length === 0)
    return (
      <Text size="sm">
        No runs yet. A run starts with the Run button, on a schedule, or from a trigger; each one then shows here with its status.{' '}
        {onRun && (
          <Anchor component="button" type="button" size="sm" onClick={onRun}>
            Run it now
          </Anchor>
        )}
      </Text>
    );
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          The latest {runs.data.items.length} runs, newest first.
        </Text>
        <AnchorLink to="/runs" search={{ pipeline: name }} size="sm">
          All runs of {name}
        </AnchorLink>
      </Group>
      <Table.ScrollContainer minWidth={760}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Run</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th>Trigger</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {runs.data.items.map((run) => (
              <Table.Tr key={run.id}>
                <Table.Td>
                  <RunLink id={run.id} />
                </Table.Td>
                <Table.Td>
                  <RunStatusBadge status={run.status} />
                </Table.Td>
                <Table.Td>v{run.version}</Table.Td>
                <Table.Td>{run.trigger}</Table.Td>
                <Table.Td>{formatDateTime(run.createdAt)}</Table.Td>
                <Table.Td maw={320}>
                  <Text size="sm" lineClamp={2}>
                    {run.error ? `${run.error.step ? `${run.error.step}: ` : ''}${run.error.message}` : '—'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
