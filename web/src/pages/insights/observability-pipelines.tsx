import { Anchor, Badge, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMemo } from 'react';
import { formatDuration, formatPercent } from '../../components/format';
import { LazyBarChart } from '../../components/insights-lazy-bar-chart';
import { pipelineChartRows, worstStep, type PipelineStats, type Summary } from './observability-stats';

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

/** The numbers over every run in the answer, as the API computed them (percentiles of all the runs, not of the pipelines'). */
export function SummaryTotals({ totals }: { totals: Summary['totals'] }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm" aria-label="Totals">
      <Stat label="Runs" value={String(totals.runs)} hint={`${totals.active} still going`} />
      <Stat
        label="Success rate"
        value={formatPercent(totals.successRate)}
        hint={`${totals.failed} failed, ${totals.cancelled} cancelled`}
      />
      <Stat label="Duration p50" value={formatDuration(totals.durationMs.p50)} hint={`p95 ${formatDuration(totals.durationMs.p95)}`} />
      <Stat label="Duration p99" value={formatDuration(totals.durationMs.p99)} />
      <Stat label="Queue wait p50" value={formatDuration(totals.queueWaitMs.p50)} hint={`p95 ${formatDuration(totals.queueWaitMs.p95)}`} />
      <Stat label="SLA breaches" value={String(totals.slaBreaches)} />
    </SimpleGrid>
  );
}

export function PipelineCharts({ items }: { items: PipelineStats[] }) {
  const rows = useMemo(() => pipelineChartRows(items), [items]);
  const more = items.length - rows.length;
  return (
    <Stack gap={4}>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <LazyBarChart
          title="Success rate by pipeline (%)"
          h={260}
          data={rows}
          dataKey="pipeline"
          series={[{ name: 'successPercent', label: 'Success rate', color: 'teal.6' }]}
          yAxisProps={{ domain: [0, 100] }}
          unit="%"
        />
        <LazyBarChart
          title="Run duration by pipeline (seconds)"
          h={260}
          data={rows}
          dataKey="pipeline"
          series={[
            { name: 'p50Seconds', label: 'p50', color: 'indigo.4' },
            { name: 'p95Seconds', label: 'p95', color: 'indigo.8' },
          ]}
          unit=" s"
        />
      </SimpleGrid>
      {more > 0 && (
        <Text size="xs" c="dimmed">
          The charts show the {rows.length} busiest pipelines; the table lists all {items.length}.
        </Text>
      )}
    </Stack>
  );
}

/** Every pipeline's numbers; a pipeline's name narrows the page to it. */
export function PipelineTable({ items, onPick }: { items: PipelineStats[]; onPick: (pipeline: string) => void }) {
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Pipeline</Table.Th>
            <Table.Th scope="col" ta="right">
              Runs
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Success rate
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Duration p50 / p95
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Queue wait p50 / p95
            </Table.Th>
            <Table.Th scope="col" ta="right">
              SLA breaches
            </Table.Th>
            <Table.Th scope="col">Fails most at</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((item) => {
            const worst = worstStep(item.failuresByStep);
            return (
              <Table.Tr key={item.pipeline}>
                <Table.Th scope="row" fw={500}>
                  <Anchor component="button" type="button" size="sm" onClick={() => onPick(item.pipeline)}>
                    {item.pipeline}
                  </Anchor>
                </Table.Th>
                <Table.Td ta="right">
                  {item.runs}
                  {item.active > 0 && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      ({item.active} going)
                    </Text>
                  )}
                </Table.Td>
                <Table.Td ta="right">{formatPercent(item.successRate)}</Table.Td>
                <Table.Td ta="right">
                  {formatDuration(item.durationMs.p50)} / {formatDuration(item.durationMs.p95)}
                </Table.Td>
                <Table.Td ta="right">
                  {formatDuration(item.queueWaitMs.p50)} / {formatDuration(item.queueWaitMs.p95)}
                </Table.Td>
                <Table.Td ta="right">
                  {item.slaBreaches > 0 ? (
                    <Badge color="orange" variant="light">
                      {item.slaBreaches}
                    </Badge>
                  ) : (
                    0
                  )}
                </Table.Td>
                <Table.Td>
                  {worst ? (
                    <Text size="sm">
                      <code>{worst.step}</code> ({worst.failures}×)
                    </Text>
                  ) : (
                    <Text size="sm" c="dimmed">
                      no failures
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
