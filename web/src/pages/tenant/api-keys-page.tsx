import { Badge, Code, Table, Text, VisuallyHidden } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { hasRole, useMe } from '../../auth/use-me';
import { ConfirmButton } from '../../components/confirm-button';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { formatDateTime } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { CreateApiKey } from './create-api-key';

/** /api-keys: the tenant's keys for scripts and CI; admins make and revoke them. */
export function ApiKeysPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const isAdmin = hasRole(me.data?.role, 'admin');
  const keys = useCursorList(['api-keys'], (cursor) => ok(api.GET('/v1/api-keys', { params: { query: { cursor } } })), isAdmin);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] });

  const header = (
    <PageHeader
      title="API keys"
      description="Credentials for scripts, CI and other services: each acts with one role in this tenant until it is revoked."
      actions={isAdmin && <CreateApiKey myRole={me.data?.role} onCreated={refresh} />}
    />
  );
  if (me.data && !isAdmin)
    return (
      <>
        {header}
        <Text c="dimmed">
          API keys are managed by the tenant&apos;s admins and owners. Ask one of them for a key, or for the admin role.
        </Text>
      </>
    );

  return (
    <>
      {header}
      <ProblemAlert error={me.error ?? keys.error} />
      {keys.isSuccess && keys.items.length === 0 && (
        <Text c="dimmed">
          No API keys yet. Create one for each script or service that calls the API, with the least role it needs, so each can be revoked on
          its own.
        </Text>
      )}
      {keys.items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.items.map((key) => (
                <Table.Tr key={key.id}>
                  <Table.Td>{key.name}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{key.role}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Code>{key.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>{formatDateTime(key.createdAt)}</Table.Td>
                  <Table.Td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'never'}</Table.Td>
                  <Table.Td>
                    <ConfirmButton
                      label="Revoke"
                      size="xs"
                      variant="subtle"
                      aria-label={`Revoke ${key.name}`}
                      title={`Revoke ${key.name}?`}
                      message="Every call made with this key is refused from now on. This cannot be undone: a new key is a new secret to hand out."
                      confirmLabel="Revoke"
                      onConfirm={async () => {
                        await ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: key.id } } }));
                        refresh();
                      }}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={keys} />
    </>
  );
}
