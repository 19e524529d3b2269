import { Table, Text } from '@mantine/core';
import { formatMetric, lowerIsBetter, type MetricComparison, tally } from './model-compare';

const VERDICT: Record<NonNullable<MetricComparison['better']>, { text: string; color: string }> = {
  challenger: { text: 'better', color: 'green' },
  champion: { text: 'worse', color: 'red' },
  tie: { text: 'same', color: 'dimmed' },
};

/** Metric by metric, the champion against a challenger, and which way each metric leans. */
export function ComparisonTable({
  rows,
  championLabel,
  challengerLabel,
}: {
  rows: MetricComparison[];
  championLabel: string;
  challengerLabel: string;
}) {
  const { challengerWins, compared } = tally(rows);
  if (!rows.length)
    return (
      <Text size="sm" c="dimmed">
        Neither version recorded numeric metrics to compare.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={360}>
      <Table>
        <Table.Caption>
          {challengerLabel} is better on {challengerWins} of the {compared} metrics both report.
        </Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Metric</Table.Th>
            <Table.Th scope="col" ta="right">
              {championLabel}
            </Table.Th>
            <Table.Th scope="col" ta="right">
              {challengerLabel}
            </Table.Th>
            <Table.Th scope="col">{challengerLabel} is</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.metric}>
              <Table.Th scope="row" fw={500}>
                {row.metric}
                <Text span size="xs" c="dimmed">
                  {' '}
                  ({lowerIsBetter(row.metric) ? 'lower' : 'higher'} is better)
                </Text>
              </Table.Th>
              <Table.Td ta="right">{formatMetric(row.champion)}</Table.Td>
              <Table.Td ta="right">{formatMetric(row.challenger)}</Table.Td>
              <Table.Td>
                {row.better ? (
                  <Text span size="sm" c={VERDICT[row.better].color} fw={500}>
                    {VERDICT[row.better].text}
                  </Text>
                ) : (
                  <Text span size="sm" c="dimmed">
                    not comparable
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
