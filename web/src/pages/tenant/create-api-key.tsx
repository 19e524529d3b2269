import { Button, Code, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import type { Role } from '../../auth/use-me';
import { ProblemAlert } from '../../components/problem-alert';
import { ShownOnce } from '../../components/shown-once';
import { RoleSelect } from './role-select';
import { grantableKeyRoles } from './roles';

/** Makes an API key (POST /v1/api-keys) and shows it once: the API keeps only its hash. */
export function CreateApiKey({ myRole, onCreated }: { myRole: Role | undefined; onCreated: () => void }) {
  const [opened, setOpened] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const create = useMutation({ mutationFn: () => ok(api.POST('/v1/api-keys', { body: { name, role } })), onSuccess: onCreated });
  const problem = create.error instanceof ApiProblem ? create.error : undefined;
  const made = create.data;

  const close = () => {
    setOpened(false);
    create.reset();
    setName('');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <>
      <Button onClick={() => setOpened(true)}>Create an API key</Button>
      {/* Once the key is on screen, only the explicit button closes: a stray click would lose it for good. */}
      <Modal opened={opened} onClose={close} title="Create an API key" closeOnClickOutside={!made} closeOnEscape={!made} centered>
        {made ? (
          <Stack>
            <ShownOnce label="API key" value={made.key} ifLost="If it is lost, revoke the key and make a new one.">
              <Text size="sm" mt="xs">
                Send it as <Code>Authorization: Bearer {made.prefix}…</Code>. It acts as {made.role} in this tenant until revoked.
              </Text>
            </ShownOnce>
            <Button onClick={close}>Done</Button>
          </Stack>
        ) : (
          <form onSubmit={submit}>
            <Stack>
              <TextInput
                label="Name"
                description="Who or what uses it, e.g. ci-deploy"
                required
                maxLength={100}
                data-autofocus
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={problem?.about('name')}
              />
              <RoleSelect roles={grantableKeyRoles(myRole)} value={role} onChange={setRole} error={problem?.about('role')} />
              <ProblemAlert error={create.error} />
              <Button type="submit" loading={create.isPending}>
                Create the key
              </Button>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
