import { Box, Button, Chip, Fieldset, Group, Input, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { runStatusLabel } from '../../components/run-status-badge';
import { fromLocalInput, hasFilters, toLocalInput, withoutEmpty, type RunsSearch } from './run-filters';
import { runKeys } from './run-queries';
import { RUN_STATUSES, RUN_TRIGGER_LABEL, RUN_TRIGGERS } from './run-status';

/** The runs list's filters; each change goes to the URL at once (typed text after a pause). */
export function RunFilterBar({ value, onChange, problem }: { value: RunsSearch; onChange: (next: RunsSearch) => void; problem?: unknown }) {
  const set = (patch: RunsSearch) => onChange(withoutEmpty({ ...value, ...patch }));
  const fieldError = (name: string) => (problem instanceof ApiProblem ? problem.about(name) : undefined);
  const pipelines = useQuery({
    queryKey: runKeys.pipelineNames,
    queryFn: () => ok(api.GET('/v1/pipelines', { params: { query: { limit: 500 } } })),
    staleTime: 60_000,
  });
  const pipelineNames = [...new Set([...(pipelines.data?.items.map((p) => p.name) ?? []), ...(value.pipeline ? [value.pipeline] : [])])];

  return (
    <Box role="search" aria-label="Filter runs" mb="md">
      <Fieldset legend="Status" variant="unstyled" mb="sm">
        <Chip.Group multiple value={value.status ?? []} onChange={(status) => set({ status })}>
          <Group gap={6}>
            {RUN_STATUSES.map((status) => (
              <Chip key={status} value={status} size="xs">
                {runStatusLabel(status)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        {fieldError('status') && <Input.Error mt={4}>{fieldError('status')}</Input.Error>}
      </Fieldset>
      <SimpleGrid cols={{ base: 1, xs: 2, lg: 5 }} spacing="sm">
        <Select
          label="Pipeline"
          placeholder="All pipelines"
          data={pipelineNames}
          value={value.pipeline ?? null}
          onChange={(pipeline) => set({ pipeline: pipeline ?? undefined })}
          searchable
          clearable
          nothingFoundMessage="No pipeline by that name"
          error={fieldError('pipeline')}
        />
        <Select
          label="Trigger"
          placeholder="Any trigger"
          data={RUN_TRIGGERS.map((trigger) => ({ value: trigger, label: RUN_TRIGGER_LABEL[trigger] }))}
          value={value.trigger ?? null}
          onChange={(trigger) => set({ trigger: trigger ?? undefined })}
          clearable
          error={fieldError('trigger')}
        />
        <TextInput
          label="Created from"
          type="datetime-local"
          value={toLocalInput(value.from)}
          onChange={(event) => set({ from: fromLocalInput(event.currentTarget.value) })}
          error={fieldError('from')}
        />
        <TextInput
          label="Created until"
          type="datetime-local"
          value={toLocalInput(value.to)}
          onChange={(event) => set({ to: fromLocalInput(event.currentTarget.value) })}
          error={fieldError('to')}
        />
        <ErrorTextFilter value={value.error} onChange={(error) => set({ error })} error={fieldError('error')} />
      </SimpleGrid>
      {hasFilters(value) && (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => onChange({})}>
          Clear filters
        </Button>
      )}
    </Box>
  );
}

/** The error-text filter keeps what is typed and sends it after a pause; a change from elsewhere (Clear) replaces it. */
function ErrorTextFilter({ value, onChange, error }: { value?: string; onChange: (text: string) => void; error?: string }) {
  const [text, setText] = useState(value ?? '');
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (text.trim() !== (value ?? '')) setText(value ?? '');
  }
  const send = useDebouncedCallback(onChange, 400);
  return (
    <TextInput
      label="Error contains"
      placeholder="Message or code"
      value={text}
      maxLength={200}
      onChange={(event) => {
        setText(event.currentTarget.value);
        send(event.currentTarget.value);
      }}
      error={error}
    />
  );
}
