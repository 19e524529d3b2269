import { Card, Group, List, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { ConfirmButton } from '../../components/confirm-button';
import { ProblemAlert } from '../../components/problem-alert';
import { fieldError } from './field-error';
import { OVERLAP_POLICIES, overlapPolicy, type OverlapPolicy, type ScheduleDetail } from './schedule-types';
import { formatInZone, zonedToInstant } from './zoned-time';

/** How many fire times the preview lists from the start (then the last one); the count covers them all. */
export const LISTED = 5;

type BackfillTimes = { count: number; times: string[]; truncated: boolean };

/**
 * Starts now the runs the schedule would have started in a past (or future) window. The pickers read
 * as wall-clock times in the schedule's zone, the zone its cron expression is written in.
 */
export function ScheduleBackfill({ schedule, canBackfill }: { schedule: ScheduleDetail; canBackfill: boolean }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [overlap, setOverlap] = useState<OverlapPolicy>('allow_all');
  const zone = schedule.timezone;
  const fromInstant = zonedToInstant(from, zone);
  const toInstant = zonedToInstant(to, zone);
  const ordered = fromInstant && toInstant && fromInstant < toInstant;
  const window = ordered ? { from: fromInstant.toISOString(), to: toInstant.toISOString() } : undefined;
  // The engine's own calendar for the schedule (zone, cron, interval) says which runs the window holds.
  const [asked] = useDebouncedValue(window, 400);
  const preview = useQuery({
    queryKey: ['schedules', schedule.id, 'backfill-preview', asked],
    queryFn: () =>
      ok(api.POST('/v1/schedules/{id}/backfill/preview', { params: { path: { id: schedule.id } }, body: { ...asked!, overlap } })),
    enabled: asked !== undefined,
  });

  const backfill = useMutation({
    mutationFn: () => ok(api.POST('/v1/schedules/{id}/backfill', { params: { path: { id: schedule.id } }, body: { ...window!, overlap } })),
  });

  return (
    <Card withBorder>
      <Title order={2} size="h4" mb={4}>
        Backfill a window
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Start now every run the schedule would have started between two times (both included), e.g. to catch up after an outage or to load
        history. Times are in {zone}.
      </Text>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            type="datetime-local"
            label={`From (${zone})`}
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
            error={fieldError(backfill.error, 'from')}
          />
          <TextInput
            type="datetime-local"
            label={`To (${zone})`}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={fieldError(backfill.error, 'to') ?? (fromInstant && toInstant && !ordered ? 'Must be after From' : undefined)}
          />
          <Select<OverlapPolicy>
            label="If a run is still going"
            description={overlapPolicy(overlap).explanation}
            data={OVERLAP_POLICIES.map(({ value, label }) => ({ value, label }))}
            value={overlap}
            onChange={(policy) => setOverlap(policy ?? 'allow_all')}
            allowDeselect={false}
            error={fieldError(backfill.error, 'overlap')}
          />
        </SimpleGrid>
        {window && preview.data && <BackfillPreviewText preview={preview.data} zone={zone} overlap={overlap} />}
        <ProblemAlert error={preview.error} title="Could not preview the window" />
        <Group>
          <ConfirmButton
            label="Start backfill"
            color="blue"
            variant="filled"
            disabled={!canBackfill || !ordered || preview.data?.count === 0}
            title="Start the backfill?"
            message={
              preview.data
                ? `This starts ${preview.data.count}${preview.data.truncated ? '+' : ''} run(s) of ${schedule.pipeline} now.`
                : `This starts a run of ${schedule.pipeline} for every fire between ${from.replace('T', ' ')} and ${to.replace('T', ' ')} (${zone}), now.`
            }
            onConfirm={() => backfill.mutateAsync()}
          />
          {!canBackfill && (
            <Text size="sm" c="dimmed">
              Backfilling needs the operator role.
            </Text>
          )}
        </Group>
        <ProblemAlert error={backfill.error} title="The backfill did not start" />
        {backfill.data && (
          <Text size="sm" role="status">
            Backfill started: {backfill.data.count}
            {backfill.data.truncated ? '+' : ''} run(s) of {schedule.pipeline}.
          </Text>
        )}
      </Stack>
    </Card>
  );
}

function BackfillPreviewText({ preview, zone, overlap }: { preview: BackfillTimes; zone: string; overlap: OverlapPolicy }) {
  const listed = preview.times.slice(0, LISTED);
  const last = preview.count > LISTED ? preview.times[LISTED] : undefined;
  return (
    <Stack gap={4} aria-label="Backfill preview">
      <Text size="sm" fw={500}>
        {preview.count === 0
          ? 'No fire times in this window.'
          : `${preview.count}${preview.truncated ? '+ (the first 1,000 listed by the engine)' : ''} fire time(s) in this window${overlap === 'allow_all' ? ', each starting a run:' : ':'}`}
      </Text>
      {overlap !== 'allow_all' && preview.count > 0 && (
        <Text size="xs" c="dimmed">
          With “{overlapPolicy(overlap).label}”, fewer may start if earlier ones are still going.
        </Text>
      )}
      <List size="sm" ff="monospace">
        {listed.map((time) => (
          <List.Item key={time}>{formatInZone(time, zone)}</List.Item>
        ))}
        {last && <List.Item>… {formatInZone(last, zone)}</List.Item>}
      </List>
    </Stack>
  );
}
