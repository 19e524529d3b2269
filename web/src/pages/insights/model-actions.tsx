import { Button, Code, Group, List, Modal, Select, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { ProblemAlert } from '../../components/problem-alert';
import { ComparisonTable } from './model-comparison-table';
import { compareMetrics, MODEL_STAGES, type ModelDetail, type ModelStage, type ModelVersion } from './model-compare';
import { VerdictCard, VersionVerdict } from './model-verdicts';

type Moved = { changes: { version: number; from: ModelStage; to: ModelStage }[] };

const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'errors', 'instance']);

/**
 * What a refusal said beyond its detail: the members a feature adds to its problem (a guard's
 * metric comparison, the version it compared against), shown as the API wrote them.
 */
export function RefusalFacts({ error }: { error: unknown }) {
  if (!(error instanceof ApiProblem)) return null;
  const facts = Object.entries(error.body).filter(([key]) => !PROBLEM_MEMBERS.has(key));
  if (!facts.length) return null;
  return (
    <List size="sm" spacing={4} aria-label="Details of the refusal">
      {facts.map(([key, value]) => (
        <List.Item key={key}>
          <Text span fw={600} size="sm">
            {key}:{' '}
          </Text>
          {value !== null && typeof value === 'object' ? <Code block>{JSON.stringify(value, null, 2)}</Code> : <Code>{String(value)}</Code>}
        </List.Item>
      ))}
    </List>
  );
}

/** After a move: say what changed (promoting to production archives the champion), and refetch the model. */
function useStageMove<Body>(name: string, move: (body: Body) => Promise<Moved>, onDone: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: move,
    onSuccess: async ({ changes }) => {
      notifications.show({
        color: 'green',
        title: `${name} moved`,
        message: changes.map((change) => `v${change.version}: ${change.from} → ${change.to}`).join('; ') || 'Nothing changed.',
      });
      onDone();
      await queryClient.invalidateQueries({ queryKey: ['models'] });
    },
  });
}

function PromoteForm({
  name,
  version,
  champion,
  onDone,
}: {
  name: string;
  version: ModelVersion;
  champion: ModelDetail['productionVersion'];
  onDone: () => void;
}) {
  const [stage, setStage] = useState<ModelStage>(version.stage === 'production' ? 'archived' : 'production');
  const [comment, setComment] = useState('');
  const promote = useStageMove(
    name,
    (body: { stage: ModelStage; comment?: string }) =>
      ok(api.POST('/v1/models/{name}/versions/{version}/promote', { params: { path: { name, version: version.version } }, body })),
    onDone,
  );
  const problem = promote.error instanceof ApiProblem ? promote.error : undefined;
  const againstChampion = stage === 'production' && champion && champion.version !== version.version;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    promote.mutate({ stage, ...(comment.trim() ? { comment: comment.trim() } : {}) });
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Select
          label="Stage"
          data={MODEL_STAGES.filter((s) => s !== version.stage)}
          value={stage}
          onChange={(value) => value && setStage(value)}
          allowDeselect={false}
          error={problem?.about('stage')}
        />
        {stage === 'production' && (
          <Text size="sm" c="dimmed">
            {champion && champion.version !== version.version
              ? `v${champion.version} leaves production (archived) in the same step.`
              : 'No version is in production: this one becomes the champion.'}
          </Text>
        )}
        <VersionVerdict name={name} version={version.version} />
        {againstChampion && (
          <ComparisonTable
            rows={compareMetrics(champion.metrics, version.metrics)}
            championLabel={`v${champion.version} (production)`}
            challengerLabel={`v${version.version}`}
          />
        )}
        <Textarea
          label="Comment"
          description="Why; kept in the model's history"
          rows={2}
          maxLength={1000}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          error={problem?.about('comment')}
        />
        <ProblemAlert error={promote.error} title={`v${version.version} was not moved`} />
        <RefusalFacts error={promote.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={promote.isPending}>
            Move to {stage}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Moves one version to a stage; `version` null means closed. */
export function PromoteModal(props: {
  name: string;
  version: ModelVersion | null;
  champion: ModelDetail['productionVersion'];
  onClose: () => void;
}) {
  const { version, onClose } = props;
  return (
    <Modal opened={version !== null} onClose={onClose} title={version ? `Promote ${props.name} v${version.version}` : ''} size="lg">
      {version && <PromoteForm name={props.name} version={version} champion={props.champion} onDone={onClose} />}
    </Modal>
  );
}

function RollbackForm({ model, onDone }: { model: ModelDetail; onDone: () => void }) {
  const [comment, setComment] = useState('');
  const rollback = useStageMove(
    model.name,
    (body: { comment?: string }) => ok(api.POST('/v1/models/{name}/rollback', { params: { path: { name: model.name } }, body })),
    onDone,
  );
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        rollback.mutate(comment.trim() ? { comment: comment.trim() } : {});
      }}
    >
      <Stack>
        <Text size="sm">
          Puts back the version that was in production before v{model.productionVersion?.version}, which leaves production. Use it when the
          new champion misbehaves.
        </Text>
        {model.lastComparison && <VerdictCard verdict={model.lastComparison} title="The guard's newest verdict" />}
        <Textarea
          label="Comment"
          description="Why; kept in the model's history"
          rows={2}
          maxLength={1000}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          error={rollback.error instanceof ApiProblem ? rollback.error.about('comment') : undefined}
        />
        <ProblemAlert error={rollback.error} title="Not rolled back" />
        <RefusalFacts error={rollback.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" color="orange" loading={rollback.isPending}>
            Roll back
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function RollbackModal({ model, opened, onClose }: { model: ModelDetail; opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Roll back ${model.name}`}>
      {opened && <RollbackForm model={model} onDone={onClose} />}
    </Modal>
  );
}
