import { Badge, Code, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { formatDateTime } from '../../components/format';
import { inputFields } from '../../components/pipelines-input-fields';
import { ProblemAlert } from '../../components/problem-alert';
import { pipelineKeys, type PipelineGraph, type PipelineVersion } from './pipelines-api';

/** What the latest version takes and does: its inputs, and its steps with what each needs. */
export function PipelineOverviewTab({ pipeline }: { pipeline: PipelineVersion }) {
  const graph = useQuery({
    queryKey: pipelineKeys.graph(pipeline.name),
    queryFn: () => ok(api.GET('/v1/pipelines/{name}/graph', { params: { path: { name: pipeline.name } } })),
  });
  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed">
        Version {pipeline.version}, saved {formatDateTime(pipeline.createdAt)} · checksum <Code>{pipeline.checksum.slice(0, 12)}</Code>
      </Text>
      <InputsTable pipeline={pipeline} />
      <Stack gap="xs">
        <Title order={2} size="h4">
          Steps
        </Title>
        {graph.error && <ProblemAlert error={graph.error} title="Could not read the steps" />}
        {graph.isPending ? (
          <Loader size="sm" aria-label="Loading the steps" />
        ) : (
          graph.data && <StepsTable graph={graph.data} pins={pipeline.pins} />
        )}
      </Stack>
    </Stack>
  );
}

function InputsTable({ pipeline }: { pipeline: PipelineVersion }) {
  const inputs = (pipeline.definition.inputs ?? {}) as Record<string, Record<string, unknown>>;
  const fields = inputFields(pipeline.definition);
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Inputs
      </Title>
      {fields.length === 0 ? (
        <Text size="sm">None: every run of this pipeline is the same.</Text>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Required</Table.Th>
                <Table.Th>Default</Table.Th>
                <Table.Th>Description</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fields.map((field) => {
                const schema = inputs[field.name];
                return (
                  <Table.Tr key={field.name}>
                    <Table.Td>
                      <Code>{field.name}</Code>
                    </Table.Td>
                    <Table.Td>{typeLabel(schema)}</Table.Td>
                    <Table.Td>{field.required ? 'yes' : 'no'}</Table.Td>
                    <Table.Td>{schema.default === undefined ? '—' : <Code>{JSON.stringify(schema.default)}</Code>}</Table.Td>
                    <Table.Td>{field.description ?? '—'}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

const typeLabel = (schema: Record<string, unknown>) =>
  Array.isArray(schema.enum)
    ? `one of ${schema.enum.map((choice) => JSON.stringify(choice)).join(', ')}`
    : [schema.type ?? 'any', schema.format].filter(Boolean).map(String).join(', ');

const KIND_LABEL: Record<PipelineGraph['nodes'][number]['kind'], string> = {
  step: 'step',
  forEach: 'for each',
  approval: 'approval',
  onFailure: 'on failure',
};

/** The steps as a table; the drawn graph is the run page's (it shares this answer's shape). */
function StepsTable({ graph, pins }: { graph: PipelineGraph; pins: PipelineVersion['pins'] }) {
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Step</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Uses (pinned version)</Table.Th>
            <Table.Th>Needs</Table.Th>
            <Table.Th>Runs when</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {graph.nodes.map((node) => (
            <Table.Tr key={node.id}>
              <Table.Td>
                <Code>{node.id}</Code>
                {node.name && (
                  <Text size="xs" c="dimmed">
                    {node.name}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge variant="light">{KIND_LABEL[node.kind]}</Badge>
              </Table.Td>
              <Table.Td>
                {node.uses ? <Code>{node.uses}</Code> : '—'}
                {pins[node.id] && (
                  <Text size="xs" c="dimmed">
                    {pins[node.id].version}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap={4}>{node.needs.length ? node.needs.map((need) => <Code key={need}>{need}</Code>) : '—'}</Group>
              </Table.Td>
              <Table.Td>
                <RunsWhen node={node} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function RunsWhen({ node }: { node: PipelineGraph['nodes'][number] }) {
  const parts: string[] = [];
  if (node.if !== undefined) parts.push(`if ${String(node.if)}`);
  if (node.forEach)
    parts.push('expression' in node.forEach ? `for each of ${node.forEach.expression}` : `for each of ${node.forEach.items} items`);
  if (node.approval)
    parts.push(`once approved by ${node.approval.roles.join(' or ')} (${node.approval.onTimeout}s after ${node.approval.timeout})`);
  if (node.kind === 'onFailure') parts.push('when the run fails');
  return <Text size="sm">{parts.length ? parts.join('; ') : 'after what it needs'}</Text>;
}
