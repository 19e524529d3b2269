import { Button, Group, JsonInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ProblemAlert } from '../../components/problem-alert';
import { fieldError } from './field-error';
import {
  OVERLAP_POLICIES,
  overlapPolicy,
  type CreateScheduleBody,
  type OverlapPolicy,
  type Schedule,
  type UpdateScheduleBody,
} from './schedule-types';
import { usePipelineNames } from './use-pipelines';
import { browserZone, timeZones } from './zoned-time';

export interface ScheduleFormValues {
  pipeline: string;
  mode: 'cron' | 'every';
  cron: string;
  every: string;
  timezone: string;
  overlap: OverlapPolicy;
  /** JSON text of the run inputs, an object. */
  inputs: string;
  paused: boolean;
  jitter: string;
  catchupWindow: string;
}

export function formValuesOf(schedule?: Schedule): ScheduleFormValues {
  return {
    pipeline: schedule?.pipeline ?? '',
    mode: schedule?.every ? 'every' : 'cron',
    cron: schedule?.cron ?? '',
    every: schedule?.every ?? '',
    timezone: schedule?.timezone ?? browserZone(),
    overlap: schedule?.overlap ?? 'skip',
    inputs: JSON.stringify(schedule?.inputs ?? {}, null, 2),
    paused: schedule?.paused ?? false,
    jitter: schedule?.jitter ?? '',
    catchupWindow: schedule?.catchupWindow ?? '',
  };
}

/** The run inputs as an object, or why the text is not one. */
export function parseInputs(text: string): { inputs: Record<string, unknown> } | { error: string } {
  if (!text.trim()) return { inputs: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { inputs: value as Record<string, unknown> };
    return { error: 'Inputs must be a JSON object, e.g. { "day": "2026-01-01" }' };
  } catch {
    return { error: 'Inputs are not valid JSON' };
  }
}

/** The fields a create and an edit share: exactly one of cron and every, the zone, policy and inputs. */
function commonFields(values: ScheduleFormValues, inputs: Record<string, unknown>) {
  return {
    ...(values.mode === 'cron' ? { cron: values.cron.trim() } : { every: values.every.trim() }),
    timezone: values.timezone,
    inputs,
    overlap: values.overlap,
    paused: values.paused,
  };
}

export function createBody(values: ScheduleFormValues, inputs: Record<string, unknown>): CreateScheduleBody {
  return {
    pipeline: values.pipeline,
    ...commonFields(values, inputs),
    ...(values.jitter.trim() ? { jitter: values.jitter.trim() } : {}),
    ...(values.catchupWindow.trim() ? { catchupWindow: values.catchupWindow.trim() } : {}),
  };
}

/** An edit sends every field the form shows; an emptied jitter or catch-up window is cleared with null. */
export function updateBody(values: ScheduleFormValues, inputs: Record<string, unknown>): UpdateScheduleBody {
  return { ...commonFields(values, inputs), jitter: values.jitter.trim() || null, catchupWindow: values.catchupWindow.trim() || null };
}

/** Creates a schedule, or edits `schedule` (its pipeline stays: a schedule belongs to one pipeline). */
export function ScheduleForm({ schedule, onSaved }: { schedule?: Schedule; onSaved: (saved: Schedule) => void }) {
  const [values, setValues] = useState(() => formValuesOf(schedule));
  const [inputsError, setInputsError] = useState<string>();
  const pipelines = usePipelineNames();
  const zones = useMemo(() => timeZones(), []);
  const queryClient = useQueryClient();
  const set = <K extends keyof ScheduleFormValues>(key: K, value: ScheduleFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const save = useMutation({
    mutationFn: (inputs: Record<string, unknown>) =>
      schedule
        ? ok(api.PATCH('/v1/schedules/{id}', { params: { path: { id: schedule.id } }, body: updateBody(values, inputs) }))
        : ok(api.POST('/v1/schedules', { body: createBody(values, inputs) })),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['schedules'] });
      onSaved(saved);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseInputs(values.inputs);
    setInputsError('error' in parsed ? parsed.error : undefined);
    if ('inputs' in parsed) save.mutate(parsed.inputs);
  };
  const problem = (path: string) => fieldError(save.error, path);

  return (
    <form onSubmit={submit}>
      <Stack>
        <Select
          label="Pipeline"
          description={
            schedule ? 'A schedule stays with its pipeline; make a new schedule for another one.' : 'Each fire runs its latest version.'
          }
          data={schedule ? [schedule.pipeline] : (pipelines.data ?? [])}
          value={values.pipeline || null}
          onChange={(name) => set('pipeline', name ?? '')}
          disabled={Boolean(schedule)}
          searchable
          required
          nothingFoundMessage={pipelines.isPending ? 'Loading…' : 'No pipeline: save one first'}
          error={problem('pipeline') ?? (pipelines.error ? 'The pipelines could not be listed' : undefined)}
        />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="schedule-mode-label">
            Fires
          </Text>
          <SegmentedControl
            aria-labelledby="schedule-mode-label"
            fullWidth
            value={values.mode}
            onChange={(mode) => set('mode', mode)}
            data={[
              { value: 'cron', label: 'Cron expression' },
              { value: 'every', label: 'Fixed interval' },
            ]}
          />
        </Stack>
        {values.mode === 'cron' ? (
          <TextInput
            label="Cron expression"
            description="Five fields (minute hour day month weekday), or @hourly, @daily, @weekly, @monthly; read in the time zone below."
            placeholder="30 2 * * *"
            ff="monospace"
            required
            value={values.cron}
            onChange={(e) => set('cron', e.currentTarget.value)}
            error={problem('cron')}
          />
        ) : (
          <TextInput
            label="Interval"
            description="A duration such as 15m, 1h30m or 1d; fires at whole multiples of it since 1970-01-01 UTC."
            placeholder="15m"
            required
            value={values.every}
            onChange={(e) => set('every', e.currentTarget.value)}
            error={problem('every')}
          />
        )}
        <Select
          label="Time zone"
          description="Cron times are local to this zone, daylight saving included; next fire times are shown in it."
          data={zones}
          value={values.timezone}
          onChange={(zone) => set('timezone', zone ?? 'UTC')}
          searchable
          allowDeselect={false}
          error={problem('timezone')}
        />
        <Select<OverlapPolicy>
          label="When a fire comes while the previous run is still going"
          description={overlapPolicy(values.overlap).explanation}
          data={OVERLAP_POLICIES.map(({ value, label }) => ({ value, label }))}
          value={values.overlap}
          onChange={(policy) => set('overlap', policy ?? 'skip')}
          allowDeselect={false}
          renderOption={({ option }) => (
            <Stack gap={0}>
              <Text size="sm">{option.label}</Text>
              <Text size="xs" c="dimmed">
                {overlapPolicy(option.value).explanation}
              </Text>
            </Stack>
          )}
          error={problem('overlap')}
        />
        <JsonInput
          label="Inputs"
          description="A JSON object passed to every run this schedule starts."
          autosize
          minRows={3}
          formatOnBlur
          value={values.inputs}
          onChange={(text) => set('inputs', text)}
          error={inputsError ?? problem('inputs')}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Jitter"
            description="Up to this much random delay per fire, to spread load (e.g. 30s)."
            value={values.jitter}
            onChange={(e) => set('jitter', e.currentTarget.value)}
            error={problem('jitter')}
          />
          <TextInput
            label="Catch-up window"
            description="How late a fire missed during an outage may still run (default a year)."
            value={values.catchupWindow}
            onChange={(e) => set('catchupWindow', e.currentTarget.value)}
            error={problem('catchupWindow')}
          />
        </SimpleGrid>
        <Switch
          label="Paused"
          description="A paused schedule does not fire until resumed."
          checked={values.paused}
          onChange={(e) => set('paused', e.currentTarget.checked)}
        />
        <ProblemAlert error={save.error} />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending}>
            {schedule ? 'Save changes' : 'Create schedule'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
