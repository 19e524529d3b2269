import { Badge, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { AnchorLink } from '../../components/anchor-link';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { formatDateTime, NONE } from '../../components/format';
import { ProblemAlert } from '../../components/problem-alert';
import { formatMetric, type ModelComparison } from './model-compare';

function DecisionBadge({ verdict }: { verdict: ModelComparison }) {
  return (
    <Badge
      size="sm"
      variant={verdict.decision === 'promote' ? 'filled' : 'light'}
      color={verdict.decision === 'promote' ? 'green' : 'gray'}
    >
      {verdict.decision}
    </Badge>
  );
}

const challengerName = (verdict: ModelComparison) =>
  verdict.challenger.version === null ? 'an unregistered model' : `v${verdict.challenger.version}`;

/** The verdict in one sentence: who scored what on which metric, and what the guard made of it. */
export function verdictSentence(verdict: ModelComparison): string {
  const { metric, champion, challenger } = verdict;
  const against = champion
    ? `against production v${champion.version}'s ${formatMetric(champion.score)}`
    : 'with nothing in production to beat';
  const margin = verdict.margin > 0 ? ` (margin ${formatMetric(verdict.margin)})` : '';
  const outcome =
    verdict.decision === 'promote'
      ? verdict.promoted
        ? 'promoted it.'
        : 'found it better; the step did not promote it.'
      : 'kept it out of production.';
  return `${challengerName(verdict)} scored ${formatMetric(challenger.score)} on ${metric} ${against}${margin}: the guard ${outcome}`;
}

function StepLink({ verdict }: { verdict: ModelComparison }) {
  return (
    <AnchorLink to="/runs/$runId" params={{ runId: verdict.run.id }} search={{ step: verdict.run.stepId }} size="sm">
      step {verdict.run.stepId} of run {verdict.run.id.slice(0, 8)}
    </AnchorLink>
  );
}

/** One verdict as a card: the decision, the sentence, when and by which step. */
export function VerdictCard({ verdict, title }: { verdict: ModelComparison; title: string }) {
  return (
    <Paper withBorder p="sm" role="region" aria-label={title}>
      <Stack gap={4}>
        <Group gap="xs">
          <Text fw={600} size="sm">
            {title}
          </Text>
          <DecisionBadge verdict={verdict} />
        </Group>
        <Text size="sm">{verdictSentence(verdict)}</Text>
        <Text size="xs" c="dimmed">
          {formatDateTime(verdict.at)} · <StepLink verdict={verdict} />
        </Text>
      </Stack>
    </Paper>
  );
}

/**
 * The guard's newest verdict where `version` was the challenger or the champion, for an operator
 * about to move it; says so when no guard has compared it.
 */
export function VersionVerdict({ name, version }: { name: string; version: number }) {
  const verdicts = useQuery({
    queryKey: ['models', 'comparisons', name, version],
    queryFn: () => ok(api.GET('/v1/models/{name}/comparisons', { params: { path: { name }, query: { version, limit: 1 } } })),
  });
  if (verdicts.error) return <ProblemAlert error={verdicts.error} title="Could not load the guard's verdicts" />;
  const [last] = verdicts.data?.items ?? [];
  if (!verdicts.data) return null;
  if (!last)
    return (
      <Text size="sm" c="dimmed">
        No guard step (ml/compare) has compared v{version} yet.
      </Text>
    );
  return <VerdictCard verdict={last} title={`The guard's last verdict on v${version}`} />;
}

/** Every verdict the guard steps reached about the model, newest first. */
export function GuardVerdicts({ name }: { name: string }) {
  const verdicts = useCursorList(['models', 'comparisons', name, 'all'], (cursor) =>
    ok(api.GET('/v1/models/{name}/comparisons', { params: { path: { name }, query: { cursor } } })),
  );
  if (verdicts.error) return <ProblemAlert error={verdicts.error} title="Could not load the guard's verdicts" />;
  if (!verdicts.data) return null;
  if (!verdicts.items.length)
    return (
      <Text size="sm" c="dimmed">
        No verdicts yet: a pipeline step <code>ml/compare</code> scores a challenger against production and records its decision here.
      </Text>
    );
  return (
    <>
      <Table.ScrollContainer minWidth={760}>
        <Table aria-label="Guard verdicts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Challenger</Table.Th>
              <Table.Th scope="col">Champion</Table.Th>
              <Table.Th scope="col">Metric</Table.Th>
              <Table.Th scope="col">Decision</Table.Th>
              <Table.Th scope="col">By</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {verdicts.items.map((verdict) => (
              <Table.Tr key={`${verdict.run.id}:${verdict.run.stepId}:${verdict.at}`}>
                <Table.Td>{formatDateTime(verdict.at)}</Table.Td>
                <Table.Td>
                  {challengerName(verdict)}: {formatMetric(verdict.challenger.score)}
                </Table.Td>
                <Table.Td>{verdict.champion ? `v${verdict.champion.version}: ${formatMetric(verdict.champion.score)}` : NONE}</Table.Td>
                <Table.Td>
                  {verdict.metric}
                  {verdict.margin > 0 ? ` (margin ${formatMetric(verdict.margin)})` : ''}
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <DecisionBadge verdict={verdict} />
                    {verdict.promoted && (
                      <Text span size="xs" c="dimmed">
                        promoted
                      </Text>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <StepLink verdict={verdict} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <LoadMore list={verdicts} label="Load older verdicts" />
    </>
  );
}
