import { Badge, Button, Card, Code, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { useRoleGate } from '../../auth/use-role-gate';
import { ConfirmButton } from '../../components/confirm-button';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { PluginApproval } from './plugin-approval';
import { PluginNetwork } from './plugin-network';
import { PermissionList } from './plugin-permissions';
import { versionUsable, type Plugin, type PluginVersion } from './plugin-types';
import { PublisherMark } from './publisher-mark';
import { formatLocal } from './zoned-time';

export function PluginPage() {
  const { name = '' } = useParams({ strict: false });
  const can = useRoleGate('admin', 'Enabling and approving plugins');
  const queryClient = useQueryClient();
  const [approving, setApproving] = useState<PluginVersion>();
  const plugin = useQuery({
    queryKey: ['plugins', 'detail', name],
    queryFn: () => ok(api.GET('/v1/plugins/{name}', { params: { path: { name } } })),
  });
  // The catalogue lists versions without what each asks for; the version's manifest has it.
  const versions = useQueries({
    queries: (plugin.data?.versions ?? []).map(({ version }) => ({
      queryKey: ['plugins', 'version', name, version],
      queryFn: () => ok(api.GET('/v1/plugins/{name}/versions/{version}', { params: { path: { name, version } } })),
      staleTime: Infinity,
    })),
  });
  const disable = async () => {
    await ok(api.POST('/v1/plugins/{name}/disable', { params: { path: { name } } }));
    await queryClient.invalidateQueries({ queryKey: ['plugins'] });
  };

  const current = plugin.data;
  if (!current) return plugin.error ? <ProblemAlert error={plugin.error} /> : <Text c="dimmed">Loading…</Text>;

  return (
    <>
      <PageHeader
        title={`Plugin: ${current.name}`}
        description={
          <>
            <PublisherMark plugin={current} /> {can.why}
          </>
        }
        actions={
          can.allowed &&
          current.enabled && (
            <ConfirmButton
              label="Disable"
              title={`Disable ${current.name}?`}
              message="New pipeline versions can no longer use it. Pipeline versions saved already keep their pinned versions, and what was approved stays for when it is enabled again."
              onConfirm={disable}
            />
          )
        }
      />
      <Stack>
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            For this tenant
          </Title>
          <Group gap="xs" mb="xs">
            <Badge variant="light" color={current.enabled ? 'green' : 'gray'}>
              {current.enabled ? 'enabled' : 'off'}
            </Badge>
            {!current.enabled && (
              <Text size="sm" c="dimmed">
                Enable a version below to let pipelines use it.
              </Text>
            )}
          </Group>
          {current.approved === 'all' ? (
            <Text size="sm">Approved: everything its versions ask for (a verified publisher&apos;s plugin nobody restricted).</Text>
          ) : (
            <>
              <Text size="sm" mb={4}>
                Approved so far:
              </Text>
              <PermissionList permissions={current.approved} none="Nothing approved yet." />
            </>
          )}
        </Card>
        <PluginNetwork key={current.networkEndpoints.join(',')} plugin={current} canEdit={can.allowed} />
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            Versions
          </Title>
          <Table.ScrollContainer minWidth={700}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Published</Table.Th>
                  <Table.Th>Asks for</Table.Th>
                  <Table.Th>For this tenant</Table.Th>
                  <Table.Th>Action</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {current.versions.map((summary, index) => {
                  const detail = versions[index]?.data;
                  return (
                    <Table.Tr key={summary.version}>
                      <Table.Td ff="monospace">{summary.version}</Table.Td>
                      <Table.Td>{formatLocal(summary.publishedAt)}</Table.Td>
                      <Table.Td>
                        {detail ? <PermissionList permissions={detail.permissions} /> : <ProblemAlert error={versions[index]?.error} />}
                      </Table.Td>
                      <Table.Td>
                        <VersionState plugin={current} summary={summary} detail={detail} />
                      </Table.Td>
                      <Table.Td>
                        {can.allowed && detail && !summary.yanked && !versionUsable(current, detail) && (
                          <Button size="xs" onClick={() => setApproving(detail)}>
                            {current.enabled ? 'Approve' : 'Enable'}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
        <Steps plugin={current} />
      </Stack>
      <Modal opened={Boolean(approving)} onClose={() => setApproving(undefined)} title="Enable and approve" size="lg">
        {approving && <PluginApproval plugin={current} version={approving} onDone={() => setApproving(undefined)} />}
      </Modal>
    </>
  );
}

function VersionState({ plugin, summary, detail }: { plugin: Plugin; summary: Plugin['versions'][number]; detail?: PluginVersion }) {
  if (summary.yanked) return <Badge color="gray">yanked</Badge>;
  if (!detail) return <Text c="dimmed">…</Text>;
  if (versionUsable(plugin, detail)) return <Badge color="green">usable</Badge>;
  return <Badge color="yellow">{plugin.enabled ? 'needs approval' : 'off'}</Badge>;
}

function Steps({ plugin }: { plugin: Plugin }) {
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Steps in {plugin.latestVersion ?? 'the latest version'}
      </Title>
      <Stack gap="sm">
        {plugin.steps.map((step) => (
          <div key={step.id}>
            <Text size="sm" fw={600}>
              {step.title} <Code>{`${plugin.name}/${step.id}`}</Code>
            </Text>
            <Text size="sm" c="dimmed">
              {step.description}
            </Text>
          </div>
        ))}
      </Stack>
    </Card>
  );
}
