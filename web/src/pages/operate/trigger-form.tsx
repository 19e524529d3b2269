import { Button, Group, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ProblemAlert } from '../../components/problem-alert';
import { fieldError } from './field-error';
import { TRIGGER_TYPES, type CreatedTrigger, type CreateTriggerBody, type TriggerType } from './trigger-types';
import { usePipelineNames } from './use-pipelines';

type RunEnd = 'succeeded' | 'failed' | 'finished';

export interface TriggerFormValues {
  type: TriggerType;
  pipeline: string;
  /** A JSONata expression (webhook, event); empty for the defaults. */
  inputs: string;
  source: string;
  on: RunEnd;
  cooldown: string;
}

const EMPTY: TriggerFormValues = { type: 'webhook', pipeline: '', inputs: '', source: '', on: 'succeeded', cooldown: '' };

/** The body for the type chosen: only its own fields, empty optional ones left out. */
export function triggerBody(values: TriggerFormValues): CreateTriggerBody {
  const optional = (key: string, value: string) => (value.trim() ? { [key]: value.trim() } : {});
  if (values.type === 'webhook') return { type: 'webhook', pipeline: values.pipeline, ...optional('inputs', values.inputs) };
  if (values.type === 'pipeline') return { type: 'pipeline', pipeline: values.pipeline, source: values.source, on: values.on };
  return {
    type: 'event',
    event: 'model.drift_detected',
    pipeline: values.pipeline,
    ...optional('source', values.source),
    ...optional('inputs', values.inputs),
    ...optional('cooldown', values.cooldown),
  };
}

export function TriggerForm({ onCreated }: { onCreated: (trigger: CreatedTrigger) => void }) {
  const [values, setValues] = useState(EMPTY);
  const pipelines = usePipelineNames();
  const queryClient = useQueryClient();
  const set = <K extends keyof TriggerFormValues>(key: K, value: TriggerFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/triggers', { body: triggerBody(values) })),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['triggers'] });
      onCreated(created);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const problem = (path: string) => fieldError(create.error, path);
  const names = pipelines.data ?? [];
  const chosen = TRIGGER_TYPES.find((t) => t.value === values.type)!;

  return (
    <form onSubmit={submit}>
      <Stack>
        <Stack gap={4}>
          <Text size="sm" fw={500} id="trigger-type-label">
            Starts a run when
          </Text>
          <SegmentedControl
            aria-labelledby="trigger-type-label"
            fullWidth
            value={values.type}
            onChange={(type) => set('type', type)}
            data={TRIGGER_TYPES.map(({ value, label }) => ({ value, label }))}
          />
          <Text size="xs" c="dimmed">
            {chosen.explanation}
          </Text>
        </Stack>
        <Select
          label="Pipeline to run"
          data={names}
          value={values.pipeline || null}
          onChange={(name) => set('pipeline', name ?? '')}
          searchable
          required
          nothingFoundMessage={pipelines.isPending ? 'Loading…' : 'No pipeline: save one first'}
          error={problem('pipeline')}
        />
        {values.type !== 'webhook' && (
          <Select
            label={values.type === 'pipeline' ? 'When a run of' : 'Only events from runs of'}
            description={values.type === 'event' ? 'Leave empty for events from any pipeline.' : 'It must not be the pipeline to run.'}
            data={names.filter((name) => name !== values.pipeline)}
            value={values.source || null}
            onChange={(name) => set('source', name ?? '')}
            searchable
            clearable={values.type === 'event'}
            required={values.type === 'pipeline'}
            error={problem('source')}
          />
        )}
        {values.type === 'pipeline' && (
          <Select<RunEnd>
            label="Ends"
            data={[
              { value: 'succeeded', label: 'succeeded' },
              { value: 'failed', label: 'failed' },
              { value: 'finished', label: 'in any way (finished)' },
            ]}
            value={values.on}
            onChange={(on) => set('on', on ?? 'succeeded')}
            allowDeselect={false}
            error={problem('on')}
          />
        )}
        {values.type === 'event' && (
          <TextInput label="Event" value="model.drift_detected" readOnly description="The one event steps emit today." />
        )}
        {values.type !== 'pipeline' && (
          <Textarea
            label="Inputs expression (JSONata)"
            description={
              values.type === 'webhook'
                ? 'Maps { body, headers } to the run inputs; empty passes the JSON body as it is.'
                : 'Maps { event: { type, data, pipeline, runId, stepId, at } } to the run inputs.'
            }
            placeholder={values.type === 'webhook' ? '{ "day": body.date }' : '{ "dataset": event.data.current }'}
            autosize
            minRows={2}
            ff="monospace"
            value={values.inputs}
            onChange={(e) => set('inputs', e.currentTarget.value)}
            error={problem('inputs')}
          />
        )}
        {values.type === 'event' && (
          <TextInput
            label="Cooldown"
            description="At most one run per this long (1s to 90d); events in between are kept as skipped. Empty: one run per event."
            placeholder="6h"
            value={values.cooldown}
            onChange={(e) => set('cooldown', e.currentTarget.value)}
            error={problem('cooldown')}
          />
        )}
        <ProblemAlert error={create.error} />
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            Create trigger
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
