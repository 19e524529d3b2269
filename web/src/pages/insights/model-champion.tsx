import { Paper, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { LazyBarChart } from '../../components/insights-lazy-bar-chart';
import { ComparisonTable } from './model-comparison-table';
import { compareMetrics, comparisonChartRows, type ModelDetail, type ModelVersion } from './model-compare';

/** The production version (champion) against another version (challenger): a grouped bar chart and the same numbers as a table. */
export function ChampionVsChallenger({
  champion,
  challenger,
  versions,
  onChallenger,
}: {
  champion: ModelDetail['productionVersion'];
  challenger: ModelVersion | undefined;
  versions: ModelVersion[];
  onChallenger: (version: number) => void;
}) {
  const rows = useMemo(() => (challenger ? compareMetrics(champion?.metrics ?? null, challenger.metrics) : []), [champion, challenger]);
  const chartRows = useMemo(() => comparisonChartRows(rows), [rows]);
  const championLabel = champion ? `v${champion.version} (champion)` : 'no champion';
  const challengerLabel = challenger ? `v${challenger.version} (challenger)` : '';

  return (
    <Stack gap="sm">
      <Title order={2} size="h3">
        Champion vs challenger
      </Title>
      <Select
        label="Challenger"
        description="The version to hold against the one in production"
        w={{ base: '100%', xs: 280 }}
        data={versions
          .filter((v) => v.version !== champion?.version)
          .map((v) => ({ value: String(v.version), label: `v${v.version} (${v.stage})` }))}
        value={challenger ? String(challenger.version) : null}
        onChange={(value) => value && onChallenger(Number(value))}
        allowDeselect={false}
        nothingFoundMessage="No other version"
      />
      {!champion && (
        <Text size="sm" c="dimmed">
          No version is in production yet: promote one (Versions, below) and it becomes the champion later versions are measured against.
        </Text>
      )}
      {champion && !challenger && (
        <Text size="sm" c="dimmed">
          Only the champion is registered: the next run that registers a version gives it a challenger.
        </Text>
      )}
      {champion && challenger && (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          {chartRows.length > 0 ? (
            <LazyBarChart
              title={`${championLabel} vs ${challengerLabel}`}
              h={280}
              data={chartRows}
              dataKey="metric"
              series={[
                { name: 'champion', label: championLabel, color: 'gray.6' },
                { name: 'challenger', label: challengerLabel, color: 'indigo.6' },
              ]}
              valueFormatter={(value) => String(Number(value.toPrecision(4)))}
            />
          ) : (
            <Paper withBorder p="md">
              <Text size="sm" c="dimmed">
                The two versions share no numeric metric to chart.
              </Text>
            </Paper>
          )}
          <ComparisonTable rows={rows} championLabel={championLabel} challengerLabel={challengerLabel} />
        </SimpleGrid>
      )}
    </Stack>
  );
}
