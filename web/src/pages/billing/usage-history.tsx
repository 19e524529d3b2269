import { Paper, Table, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { LazyBarChart } from '../../components/insights-lazy-bar-chart';
import { ProblemAlert } from '../../components/problem-alert';
import { BILLING_KEY } from './billing-api';

const MONTHS = 12;
const monthLabel = (iso: string) => new Date(iso).toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** The last twelve months' runs and step-minutes (GET /v1/billing/usage/history): a chart for the eye, the same numbers in a table. */
export function UsageHistory() {
  const history = useQuery({
    queryKey: [...BILLING_KEY, 'usage-history', MONTHS],
    queryFn: () => ok(api.GET('/v1/billing/usage/history', { params: { query: { months: MONTHS } } })),
  });
  if (history.error) return <ProblemAlert error={history.error} title="The usage history is not available" />;
  if (!history.data) return null;
  const rows = history.data.items.map((item) => ({
    month: monthLabel(item.period.start),
    runs: item.runs,
    stepMinutes: Math.ceil(item.stepSeconds / 60),
  }));
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        Usage by month
      </Title>
      <LazyBarChart
        title="Runs and step-minutes, last 12 months"
        h={220}
        data={rows}
        dataKey="month"
        series={[
          { name: 'runs', label: 'Runs', color: 'indigo.7' },
          { name: 'stepMinutes', label: 'Step-minutes', color: 'teal.7' },
        ]}
      />
      <Table.ScrollContainer minWidth={360} mt="sm">
        <Table striped aria-label="Usage by month">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Month</Table.Th>
              <Table.Th>Runs</Table.Th>
              <Table.Th>Step-minutes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows
              .filter((row) => row.runs > 0 || row.stepMinutes > 0)
              .reverse()
              .map((row) => (
                <Table.Tr key={row.month}>
                  <Table.Td>{row.month}</Table.Td>
                  <Table.Td>{row.runs}</Table.Td>
                  <Table.Td>{row.stepMinutes}</Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
