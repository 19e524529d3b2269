import { Group, Paper, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { Usage } from './billing-api';
import { inLimitUnit, limitLabel } from './plan-limits';

interface Meter {
  key: string;
  label: string;
  used: number;
  limit: number | null;
}

/** Each usage entry's name in the usage answer, and which plan limit it is counted against (for the unit). */
const METERS: Record<string, { label: string; limitKey: string }> = {
  runs: { label: 'Runs this month', limitKey: 'runsPerMonth' },
  stepSeconds: { label: 'Step-minutes this month', limitKey: 'stepSecondsPerMonth' },
  concurrentRuns: { label: 'Runs in progress', limitKey: 'concurrentRuns' },
  pipelines: { label: 'Pipelines', limitKey: 'pipelines' },
};

const isCounter = (value: unknown): value is { used: number; limit: number | null } =>
  typeof value === 'object' && value !== null && 'used' in value && typeof value.used === 'number' && 'limit' in value;

/** Every `{ used, limit }` the usage answer holds, so a counter the API adds shows without a console change. */
export function usageMeters(usage: Usage): Meter[] {
  return Object.entries(usage)
    .filter((entry): entry is [string, { used: number; limit: number | null }] => isCounter(entry[1]))
    .map(([key, { used, limit }]) => ({ key, label: METERS[key]?.label ?? limitLabel(key), used, limit }));
}

const percent = (used: number, limit: number) => (limit === 0 ? (used > 0 ? 100 : 0) : Math.min(100, Math.round((used / limit) * 100)));
const colorFor = (share: number) => (share >= 100 ? 'red' : share >= 80 ? 'orange' : 'blue');

function UsageMeter({ meter }: { meter: Meter }) {
  const unitKey = METERS[meter.key]?.limitKey ?? meter.key;
  const used = inLimitUnit(unitKey, meter.used);
  if (meter.limit === null)
    return (
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          {meter.label}
        </Text>
        <Text size="sm" c="dimmed">
          {used} · unlimited
        </Text>
      </Stack>
    );
  const share = percent(meter.used, meter.limit);
  return (
    <Stack gap={4}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={500}>
          {meter.label}
        </Text>
        <Text size="sm" c={share >= 100 ? 'red' : 'dimmed'}>
          {used} of {inLimitUnit(unitKey, meter.limit)} ({share}%)
        </Text>
      </Group>
      <Progress aria-label={meter.label} value={share} color={colorFor(share)} size="lg" />
    </Stack>
  );
}

/** This month's usage against the plan (GET /v1/billing/usage), one meter per counter. */
export function UsageMeters({ usage }: { usage: Usage }) {
  const utcDay = (iso: string) => new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC', dateStyle: 'medium' });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4">
        Usage
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Since {utcDay(usage.period.start)}; the count starts over on {utcDay(usage.period.end)} (UTC). Step-minutes count once a run has
        ended.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        {usageMeters(usage).map((meter) => (
          <UsageMeter key={meter.key} meter={meter} />
        ))}
      </SimpleGrid>
    </Paper>
  );
}
