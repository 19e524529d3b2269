import { Badge, Table, Title, VisuallyHidden } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { ConfirmButton } from '../../components/confirm-button';
import { formatDateTime } from '../../components/format';
import { ProblemAlert } from '../../components/problem-alert';

export const INVITATIONS_KEY = ['invitations'] as const;

/** The invitations still open (GET /v1/invitations), each revocable: an admin's view, under the members. */
export function PendingInvitations() {
  const queryClient = useQueryClient();
  const invitations = useQuery({ queryKey: INVITATIONS_KEY, queryFn: () => ok(api.GET('/v1/invitations')) });
  if (invitations.error) return <ProblemAlert error={invitations.error} title="The invitations could not be listed" />;
  if (!invitations.data || invitations.data.items.length === 0) return null;
  return (
    <>
      <Title order={2} size="h4" mt="lg" mb="xs">
        Invitations not accepted yet
      </Title>
      <Table.ScrollContainer minWidth={560}>
        <Table verticalSpacing="xs" aria-label="Invitations not accepted yet">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>E-mail</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Sent</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invitations.data.items.map((invitation) => (
              <Table.Tr key={invitation.id}>
                <Table.Td>{invitation.email}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{invitation.role}</Badge>
                </Table.Td>
                <Table.Td>{formatDateTime(invitation.createdAt)}</Table.Td>
                <Table.Td>{formatDateTime(invitation.expiresAt)}</Table.Td>
                <Table.Td>
                  <ConfirmButton
                    label="Revoke"
                    size="xs"
                    variant="subtle"
                    aria-label={`Revoke the invitation of ${invitation.email}`}
                    title={`Revoke the invitation of ${invitation.email}?`}
                    message="The link stops working at once. Invite them again to send a new one."
                    onConfirm={async () => {
                      await ok(api.DELETE('/v1/invitations/{id}', { params: { path: { id: invitation.id } } }));
                      await queryClient.invalidateQueries({ queryKey: INVITATIONS_KEY });
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
