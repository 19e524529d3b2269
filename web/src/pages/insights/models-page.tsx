import { Group, Paper, Skeleton, Stack, Table, Text } from '@mantine/core';
import { api, ok } from '../../api/client';
import { AnchorLink } from '../../components/anchor-link';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { formatDateTime, NONE } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { formatMetric, type ModelVersion, numericMetrics } from './model-compare';
import { StageBadge } from './model-stage-badge';

/** A version's first few numeric metrics, for telling versions apart at a glance. */
function MetricsPreview({ version }: { version: ModelVersion | null }) {
  const metrics = Object.entries(numericMetrics(version?.metrics ?? {})).slice(0, 3);
  if (!metrics.length) return <Text c="dimmed">{NONE}</Text>;
  return <Text size="sm">{metrics.map(([name, value]) => `${name} ${formatMetric(value)}`).join(' · ')}</Text>;
}

/** /models: the model registry, newest model first, each with its production (champion) and newest version. */
export function ModelsPage() {
  const models = useCursorList(['models', 'list'], (cursor) => ok(api.GET('/v1/models', { params: { query: { cursor } } })));
  const items = models.items;

  return (
    <Stack>
      <PageHeader
        title="Models"
        description="The model registry: every model your pipelines registered, the version in production (the champion) and the newest one."
      />
      <ProblemAlert error={models.error} title="Could not load the models" />
      {models.isPending && <Skeleton h={200} />}
      {models.isSuccess && items.length === 0 && (
        <Paper withBorder p="lg">
          <Text fw={600}>No models registered yet.</Text>
          <Text size="sm" c="dimmed" mt={4}>
            A pipeline registers a model with the <code>ml/register</code> step (or <code>ctx.models</code> in a plugin); each run adds a
            version with its metrics. Try <code>examples/iris-champion-challenger.yaml</code> from{' '}
            <AnchorLink to="/pipelines">Pipelines</AnchorLink>, then promote the version you trust to production here.
          </Text>
        </Paper>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Model</Table.Th>
                <Table.Th scope="col">In production</Table.Th>
                <Table.Th scope="col">Latest version</Table.Th>
                <Table.Th scope="col">Latest metrics</Table.Th>
                <Table.Th scope="col">Registered</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((model) => (
                <Table.Tr key={model.name}>
                  <Table.Th scope="row" fw={500}>
                    <AnchorLink to="/models/$name" params={{ name: model.name }}>
                      {model.name}
                    </AnchorLink>
                  </Table.Th>
                  <Table.Td>
                    {model.productionVersion ? (
                      `v${model.productionVersion.version}`
                    ) : (
                      <Text span size="sm" c="dimmed">
                        none yet
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {model.latestVersion ? (
                      <Group gap={6} wrap="nowrap">
                        v{model.latestVersion.version} <StageBadge stage={model.latestVersion.stage} />
                      </Group>
                    ) : (
                      NONE
                    )}
                  </Table.Td>
                  <Table.Td>
                    <MetricsPreview version={model.latestVersion} />
                  </Table.Td>
                  <Table.Td>{formatDateTime(model.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={models} label="Load more models" />
    </Stack>
  );
}
