import { Code, Group, Loader, Radio, Stack, Table, Text, Title } from '@mantine/core';
import { api, ok } from '../../api/client';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { formatDateTime } from '../../components/format';
import { ProblemAlert } from '../../components/problem-alert';
import { pipelineKeys, type PipelineVersion } from './pipelines-api';
import { VersionCompare } from './version-compare';

interface VersionsTabProps {
  name: string;
  /** The two versions compared (from the URL); by default the latest and the one before it. */
  from?: number;
  to?: number;
  onCompare: (from: number, to: number) => void;
}

/** Every saved version, newest first, and what changed between the two the user picks. */
export function PipelineVersionsTab({ name, from, to, onCompare }: VersionsTabProps) {
  const versions = useCursorList<PipelineVersion>(pipelineKeys.versions(name), (cursor) =>
    ok(api.GET('/v1/pipelines/{name}/versions', { params: { path: { name }, query: { limit: 50, cursor } } })),
  );
  if (versions.error) return <ProblemAlert error={versions.error} title="Could not list the versions" />;
  if (versions.isPending) return <Loader size="sm" aria-label="Loading the versions" />;

  const items = versions.items;
  if (!items.length) return <Text size="sm">This pipeline has no versions left.</Text>;
  const find = (version: number | undefined) => items.find((item) => item.version === version);
  const newer = find(to) ?? items[0];
  const older = find(from) ?? items.find((item) => item.version < newer.version);

  return (
    <Stack gap="lg">
      <Stack gap="xs">
        <Title order={2} size="h4">
          Versions
        </Title>
        <Text size="sm" c="dimmed">
          Each save that changes the definition makes a version; runs keep the version they started with. Pick two to compare.
        </Text>
        <Table.ScrollContainer minWidth={560}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Version</Table.Th>
                <Table.Th>Saved</Table.Th>
                <Table.Th>Steps</Table.Th>
                <Table.Th>Checksum</Table.Th>
                <Table.Th>Compare from</Table.Th>
                <Table.Th>Compare to</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((version) => (
                <Table.Tr key={version.version}>
                  <Table.Td>v{version.version}</Table.Td>
                  <Table.Td>{formatDateTime(version.createdAt)}</Table.Td>
                  <Table.Td>{Object.keys(version.definition.steps ?? {}).length}</Table.Td>
                  <Table.Td>
                    <Code>{version.checksum.slice(0, 12)}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Radio
                      name="compare-from"
                      aria-label={`Compare from version ${version.version}`}
                      checked={older?.version === version.version}
                      onChange={() => onCompare(version.version, newer.version)}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Radio
                      name="compare-to"
                      aria-label={`Compare to version ${version.version}`}
                      checked={newer.version === version.version}
                      onChange={() => onCompare(older?.version ?? version.version, version.version)}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group>
          <LoadMore list={versions} label="Load older versions" />
        </Group>
      </Stack>
      {older && older.version !== newer.version ? (
        <VersionCompare from={older} to={newer} />
      ) : (
        <Text size="sm">
          {items.length === 1
            ? 'Only one version so far: save a change and the two versions can be compared here.'
            : 'Pick two different versions to compare.'}
        </Text>
      )}
    </Stack>
  );
}
