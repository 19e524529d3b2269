import { Button, Group, Table, Text } from '@mantine/core';
import { useMemo } from 'react';
import { AnchorLink } from '../../components/anchor-link';
import { formatDateTime, NONE } from '../../components/format';
import { formatMetric, type ModelVersion, numericMetrics } from './model-compare';
import { StageBadge } from './model-stage-badge';

/** More metric columns than this push the actions off a laptop screen; the comparison shows every metric. */
const METRIC_COLUMNS = 6;

/** Every loaded version with its metrics; operators get a promote action per version. */
export function VersionsTable({
  versions,
  challenger,
  canMove,
  onCompare,
  onPromote,
}: {
  versions: ModelVersion[];
  challenger: number | undefined;
  canMove: boolean;
  onCompare: (version: number) => void;
  onPromote: (version: ModelVersion) => void;
}) {
  const metricNames = useMemo(() => {
    const names = new Set<string>();
    for (const version of versions) for (const name of Object.keys(numericMetrics(version.metrics))) names.add(name);
    return [...names].sort().slice(0, METRIC_COLUMNS);
  }, [versions]);

  return (
    <Table.ScrollContainer minWidth={720 + metricNames.length * 90}>
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Version</Table.Th>
            <Table.Th scope="col">Stage</Table.Th>
            {metricNames.map((name) => (
              <Table.Th scope="col" ta="right" key={name}>
                {name}
              </Table.Th>
            ))}
            <Table.Th scope="col">Algorithm</Table.Th>
            <Table.Th scope="col">Produced by</Table.Th>
            <Table.Th scope="col">Registered</Table.Th>
            <Table.Th scope="col">Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.map((version) => {
            const metrics = numericMetrics(version.metrics);
            return (
              <Table.Tr key={version.version} bg={version.version === challenger ? 'var(--mantine-primary-color-light)' : undefined}>
                <Table.Th scope="row">v{version.version}</Table.Th>
                <Table.Td>
                  <StageBadge stage={version.stage} />
                </Table.Td>
                {metricNames.map((name) => (
                  <Table.Td ta="right" key={name}>
                    {formatMetric(metrics[name])}
                  </Table.Td>
                ))}
                <Table.Td>{version.algorithm ?? NONE}</Table.Td>
                <Table.Td>
                  {version.run ? (
                    <AnchorLink to="/runs/$runId" params={{ runId: version.run.id }} size="sm">
                      run {version.run.id.slice(0, 8)}
                      {version.run.stepId ? ` · ${version.run.stepId}` : ''}
                    </AnchorLink>
                  ) : (
                    <Text span size="sm" c="dimmed">
                      {NONE}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatDateTime(version.createdAt)}</Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    {version.stage !== 'production' && (
                      <Button
                        size="compact-xs"
                        variant="default"
                        onClick={() => onCompare(version.version)}
                        aria-label={`Compare v${version.version} with the champion`}
                      >
                        Compare
                      </Button>
                    )}
                    {canMove && (
                      <Button
                        size="compact-xs"
                        variant="light"
                        onClick={() => onPromote(version)}
                        aria-label={`${version.stage === 'production' ? 'Change the stage of' : 'Promote'} v${version.version}`}
                      >
                        {version.stage === 'production' ? 'Change stage' : 'Promote'}
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
