import { Badge, Code, EmptyState, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { AnchorLink } from '../../components/anchor-link';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import type { Plugin } from './plugin-types';
import { PublisherMark } from './publisher-mark';

/** The catalogue has no description per plugin: its steps' titles say what it does. */
const whatItDoes = (plugin: Plugin) => plugin.steps.map((step) => step.title).join(', ');

export function PluginsPage() {
  const catalogue = useQuery({ queryKey: ['plugins', 'list'], queryFn: () => ok(api.GET('/v1/plugins')) });
  const plugins = catalogue.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Plugins"
        description="Connectors and steps pipelines can use. A plugin works for this tenant once enabled, with the network access and secrets its version asks for approved."
      />
      <Stack>
        <ProblemAlert error={catalogue.error} />
        {catalogue.isSuccess && plugins.length === 0 ? (
          <EmptyState
            title="No plugins published"
            description={
              <>
                Plugins appear here once a publisher uploads a signed package (<Code>baton plugin publish</Code>, see docs/plugins.md).
              </>
            }
          />
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Plugin</Table.Th>
                  <Table.Th>Steps</Table.Th>
                  <Table.Th>Publisher</Table.Th>
                  <Table.Th>Latest</Table.Th>
                  <Table.Th>Versions</Table.Th>
                  <Table.Th>This tenant</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {plugins.map((plugin) => (
                  <Table.Tr key={plugin.name}>
                    <Table.Td>
                      <AnchorLink to="/plugins/$name" params={{ name: plugin.name }}>
                        {plugin.name}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={2}>
                        {whatItDoes(plugin)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <PublisherMark plugin={plugin} />
                    </Table.Td>
                    <Table.Td>{plugin.latestVersion ?? '—'}</Table.Td>
                    <Table.Td>{plugin.versions.length}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={plugin.enabled ? 'green' : 'gray'}>
                        {plugin.enabled ? 'enabled' : 'off'}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </>
  );
}
