import { Button, Code, Group, Modal, Paper, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { hasRole, useMe } from '../../auth/use-me';
import { ConfirmButton } from '../../components/confirm-button';
import { formatDateTime } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { SecretForm } from './secret-form';

/** /secrets: the names and versions of the tenant's secrets (never values); admins set, rotate and delete them. */
export function SecretsPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const canRead = hasRole(me.data?.role, 'operator');
  const isAdmin = hasRole(me.data?.role, 'admin');
  const [rotating, setRotating] = useState<string | null>(null);
  const secrets = useQuery({ queryKey: ['secrets'], queryFn: () => ok(api.GET('/v1/secrets')), enabled: canRead });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['secrets'] });

  const header = (
    <PageHeader
      title="Secrets"
      description={
        <>
          Passwords and tokens your pipelines use as <Code>{'${{ secrets.NAME }}'}</Code>. Values are encrypted, redacted from step output,
          and never shown again; a rotation makes a new version.
        </>
      }
    />
  );
  if (me.data && !canRead)
    return (
      <>
        {header}
        <Text c="dimmed">Secrets are listed for operators, admins and owners only. Ask an admin if a pipeline needs a new one.</Text>
      </>
    );

  return (
    <>
      {header}
      {isAdmin ? (
        <Paper withBorder p="md" mb="lg">
          <Title order={2} size="h4" mb="sm">
            Set a secret
          </Title>
          <SecretForm onSaved={refresh} />
        </Paper>
      ) : (
        me.data && (
          <Text size="sm" c="dimmed" mb="sm">
            An admin or owner sets, rotates and deletes secrets.
          </Text>
        )
      )}
      <ProblemAlert error={me.error ?? secrets.error} />
      {secrets.data?.items.length === 0 && (
        <Text c="dimmed">
          No secrets yet. Save one above, then use it in a step&apos;s settings instead of writing the password into the pipeline.
        </Text>
      )}
      {!!secrets.data?.items.length && (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Version</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last set</Table.Th>
                {isAdmin && (
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {secrets.data.items.map((secret) => (
                <Table.Tr key={secret.name}>
                  <Table.Td>
                    <Code>{secret.name}</Code>
                  </Table.Td>
                  <Table.Td>{secret.version}</Table.Td>
                  <Table.Td>{formatDateTime(secret.createdAt)}</Table.Td>
                  <Table.Td>{formatDateTime(secret.updatedAt)}</Table.Td>
                  {isAdmin && (
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="xs" variant="subtle" aria-label={`Rotate ${secret.name}`} onClick={() => setRotating(secret.name)}>
                          Rotate
                        </Button>
                        <ConfirmButton
                          label="Delete"
                          size="xs"
                          variant="subtle"
                          aria-label={`Delete ${secret.name}`}
                          title={`Delete ${secret.name}?`}
                          message="Steps that use it fail with secret_missing from now on, until a secret of this name is set again."
                          confirmLabel="Delete"
                          onConfirm={async () => {
                            await ok(api.DELETE('/v1/secrets/{name}', { params: { path: { name: secret.name } } }));
                            refresh();
                          }}
                        />
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={rotating !== null} onClose={() => setRotating(null)} title={`Rotate ${rotating ?? ''}`} centered>
        {rotating && (
          <SecretForm
            fixedName={rotating}
            onSaved={() => {
              setRotating(null);
              refresh();
            }}
          />
        )}
      </Modal>
    </>
  );
}
