import { Badge, Group, Select, Table, Text, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import { ApiProblem, describeFailure } from '../../api/problem';
import { hasRole, useMe } from '../../auth/use-me';
import { ConfirmButton } from '../../components/confirm-button';
import { formatDateTime } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { InviteMember } from './invite-member';
import { PendingInvitations } from './pending-invitations';
import { grantableRoles, type MemberRole } from './roles';

/** /members: who is in the tenant and with what role; admins invite, change roles and remove. */
export function MembersPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const myRole = me.data?.role;
  const isAdmin = hasRole(myRole, 'admin');
  const members = useQuery({ queryKey: ['members'], queryFn: () => ok(api.GET('/v1/members')) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['members'] });
  const changeRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: MemberRole }) =>
      ok(api.PATCH('/v1/members/{userId}', { params: { path: { userId } }, body: { role } })),
    onSuccess: (_, { userId }) => {
      // Changing your own role changes what this console lets you do.
      if (userId === me.data?.user?.id) void queryClient.invalidateQueries({ queryKey: ['me'] });
      return refresh();
    },
  });
  const roleError = (userId: string) => {
    const failure = changeRole.variables?.userId === userId ? changeRole.error : null;
    if (!failure) return undefined;
    return (failure instanceof ApiProblem && failure.about('role')) || describeFailure(failure);
  };

  const rows = (members.data?.items ?? []).map((member) => {
    const isMe = member.userId === me.data?.user?.id;
    // Nobody changes a member above them (docs/api.md): such rows show the role without controls.
    const manageable = isAdmin && hasRole(myRole, member.role);
    return (
      <Table.Tr key={member.userId}>
        <Table.Td>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm">{member.email}</Text>
            {isMe && <Badge variant="outline">you</Badge>}
          </Group>
        </Table.Td>
        <Table.Td>
          {manageable ? (
            <Select
              aria-label={`Role of ${member.email}`}
              size="xs"
              w={140}
              data={grantableRoles(myRole)}
              value={member.role}
              allowDeselect={false}
              disabled={changeRole.isPending && changeRole.variables?.userId === member.userId}
              onChange={(role) => role && role !== member.role && changeRole.mutate({ userId: member.userId, role })}
              error={roleError(member.userId)}
            />
          ) : (
            <Badge variant="light">{member.role}</Badge>
          )}
        </Table.Td>
        <Table.Td>{formatDateTime(member.joinedAt)}</Table.Td>
        <Table.Td>
          {manageable && (
            <ConfirmButton
              label="Remove"
              size="xs"
              variant="subtle"
              aria-label={`Remove ${member.email}`}
              title={`Remove ${member.email}?`}
              message={
                <>
                  {isMe ? 'You will lose access to this tenant. ' : `${member.email} loses access at once. `}
                  The API keys they made here and the invitations they sent that are still open are revoked with them.
                </>
              }
              confirmLabel="Remove"
              onConfirm={async () => {
                await ok(api.DELETE('/v1/members/{userId}', { params: { path: { userId: member.userId } } }));
                await refresh();
              }}
            />
          )}
        </Table.Td>
      </Table.Tr>
    );
  });

  return (
    <>
      <PageHeader
        title="Members"
        description="The people in this tenant and what each may do. Nobody grants a role above their own, and a tenant keeps at least one owner."
        actions={isAdmin && <InviteMember myRole={myRole} />}
      />
      {me.data && !isAdmin && (
        <Text size="sm" c="dimmed" mb="sm">
          You are {myRole === 'operator' ? 'an' : 'a'} {myRole}: an admin or owner invites people, changes roles and removes members.
        </Text>
      )}
      <ProblemAlert error={members.error} />
      {members.data && rows.length === 0 && (
        <Text c="dimmed">Nobody is in this tenant yet. Invite people by e-mail: each gets a link that works once, within 7 days.</Text>
      )}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Joined</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>{rows}</Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {isAdmin && <PendingInvitations />}
    </>
  );
}
