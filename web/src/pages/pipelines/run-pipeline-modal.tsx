import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useMemo, useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { initialValues, inputFields, runInputs, type InputValue } from '../../components/pipelines-input-fields';
import { InputsFields } from '../../components/pipelines-inputs-form';
import { ProblemAlert } from '../../components/problem-alert';
import type { PipelineVersion } from './pipelines-api';

interface RunFormProps {
  pipeline: PipelineVersion;
  onCancel: () => void;
}

/** A run of the pipeline's latest version, with inputs from a form its `inputs` schema makes; on success, the new run's page. */
export function RunPipelineForm({ pipeline, onCancel }: RunFormProps) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const fields = useMemo(() => inputFields(pipeline.definition), [pipeline.definition]);
  const [values, setValues] = useState(() => initialValues(fields));
  const [localProblems, setLocalProblems] = useState<Record<string, string>>({});
  const start = useMutation({
    mutationFn: (inputs: Record<string, unknown>) =>
      ok(api.POST('/v1/pipelines/{name}/runs', { params: { path: { name: pipeline.name } }, body: { inputs } })),
    onSuccess: async (run) => {
      await queryClient.invalidateQueries({ queryKey: ['runs'] });
      await navigate({ to: `/runs/${run.id}` });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { inputs, problems } = runInputs(fields, values);
    setLocalProblems(problems);
    if (Object.keys(problems).length === 0) start.mutate(inputs);
  };
  const errorOf = (name: string) =>
    localProblems[name] ?? (start.error instanceof ApiProblem ? start.error.about(`inputs.${name}`) : undefined);

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm" c="dimmed">
          Runs version {pipeline.version}, the latest.
        </Text>
        <InputsFields
          fields={fields}
          values={values}
          onChange={(name: string, value: InputValue) => setValues((current) => ({ ...current, [name]: value }))}
          errorOf={errorOf}
        />
        <ProblemAlert error={start.error} title="The run did not start" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={start.isPending}>
            Start run
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function RunPipelineModal({ pipeline, opened, onClose }: { pipeline: PipelineVersion; opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Run ${pipeline.name}`} size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      {opened && <RunPipelineForm pipeline={pipeline} onCancel={onClose} />}
    </Modal>
  );
}
