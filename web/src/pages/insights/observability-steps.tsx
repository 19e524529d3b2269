import { Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { formatDuration, formatPercent } from '../../components/format';
import { mostFailingSteps, slowestSteps, type StepStats } from './observability-stats';

function StepTable({ title, caption, steps, empty }: { title: string; caption: string; steps: StepStats[]; empty: string }) {
  return (
    <Paper withBorder p="sm">
      <Title order={3} size="h5" mb={2}>
        {title}
      </Title>
      <Text size="xs" c="dimmed" mb="xs">
        {caption}
      </Text>
      {steps.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Step type</Table.Th>
                <Table.Th scope="col" ta="right">
                  Calls
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Failures
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Retries
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  p95
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {steps.map((step) => (
                <Table.Tr key={step.uses}>
                  <Table.Th scope="row" fw={500}>
                    <code>{step.uses}</code>
                  </Table.Th>
                  <Table.Td ta="right">{step.calls}</Table.Td>
                  <Table.Td ta="right">
                    {step.failures} ({formatPercent(step.failureRate)})
                  </Table.Td>
                  <Table.Td ta="right">{step.retries}</Table.Td>
                  <Table.Td ta="right">{formatDuration(step.p95Ms)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

/** Where time and failures go, per plugin step type (all pipelines: the API does not split steps by pipeline). */
export function StepHealth({ items }: { items: StepStats[] }) {
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Steps
      </Title>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <StepTable
          title="Slowest steps"
          caption="By p95 duration, across every pipeline"
          steps={slowestSteps(items)}
          empty="No step finished in this window."
        />
        <StepTable
          title="Most failing steps"
          caption="By failures, across every pipeline"
          steps={mostFailingSteps(items)}
          empty="No step failed in this window."
        />
      </SimpleGrid>
    </Stack>
  );
}
