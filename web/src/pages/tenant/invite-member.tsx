import { Button, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import type { Role } from '../../auth/use-me';
import { formatDateTime } from '../../components/format';
import { ProblemAlert } from '../../components/problem-alert';
import { ShownOnce } from '../../components/shown-once';
import { INVITATIONS_KEY } from './pending-invitations';
import { RoleSelect } from './role-select';
import { grantableRoles, type MemberRole } from './roles';

/** The console page a mailed invitation opens; the token rides in the fragment, which no server receives. */
export const invitationLink = (token: string) => `${location.origin}/invitations/accept#token=${encodeURIComponent(token)}`;

/** Invites someone by e-mail (POST /v1/members); the answer's link is shown to the inviter once, for sending another way. */
export function InviteMember({ myRole }: { myRole: Role | undefined }) {
  const [opened, setOpened] = useState(false);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('viewer');
  const queryClient = useQueryClient();
  const invite = useMutation({
    mutationFn: () => ok(api.POST('/v1/members', { body: { email, role } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: INVITATIONS_KEY }),
  });
  const problem = invite.error instanceof ApiProblem ? invite.error : undefined;
  const sent = invite.data;

  const close = () => {
    setOpened(false);
    invite.reset();
    setEmail('');
    setRole('viewer');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };

  return (
    <>
      <Button onClick={() => setOpened(true)}>Invite someone</Button>
      {/* Once the link is on screen, only the explicit button closes: a stray click would lose it for good. */}
      <Modal opened={opened} onClose={close} title="Invite someone" closeOnClickOutside={!sent} closeOnEscape={!sent} centered>
        {sent ? (
          <Stack>
            <ShownOnce
              label="Invitation link"
              value={invitationLink(sent.token)}
              ifLost="If it is lost, revoke the invitation and invite again."
            >
              <Text size="sm" mt="xs">
                A mail with this link went to {sent.invitation.email} ({sent.invitation.role}). It works once, until{' '}
                {formatDateTime(sent.invitation.expiresAt)}.
              </Text>
            </ShownOnce>
            <Button onClick={close}>Done</Button>
          </Stack>
        ) : (
          <form onSubmit={submit}>
            <Stack>
              <TextInput
                label="E-mail"
                type="email"
                required
                data-autofocus
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={problem?.about('email')}
              />
              <RoleSelect roles={grantableRoles(myRole)} value={role} onChange={setRole} error={problem?.about('role')} />
              <ProblemAlert error={invite.error} />
              <Button type="submit" loading={invite.isPending}>
                Send the invitation
              </Button>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
