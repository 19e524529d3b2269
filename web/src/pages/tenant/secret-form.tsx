import { Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { ProblemAlert } from '../../components/problem-alert';

/** Pipelines read a secret as `${{ secrets.NAME }}`, so names are plain identifiers (the API's rule). */
const NAME_PATTERN = '[A-Za-z_][A-Za-z0-9_]{0,63}';

export type SavedSecret = Awaited<ReturnType<typeof putSecret>>;
const putSecret = (name: string, value: string) => ok(api.PUT('/v1/secrets/{name}', { params: { path: { name } }, body: { value } }));

/**
 * Sets a secret's value (PUT /v1/secrets/{name}): a new secret, or with `fixedName` a new value
 * for one (rotation). The value is dropped from the form as soon as it is saved.
 */
export function SecretForm({ fixedName, onSaved }: { fixedName?: string; onSaved: (saved: SavedSecret) => void }) {
  const [name, setName] = useState(fixedName ?? '');
  const [value, setValue] = useState('');
  const save = useMutation({
    mutationFn: () => putSecret(name, value),
    onSuccess: (saved) => {
      setValue('');
      if (!fixedName) setName('');
      onSaved(saved);
    },
  });
  const problem = save.error instanceof ApiProblem ? save.error : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <Group align="flex-start" grow preventGrowOverflow={false} wrap="wrap">
          {!fixedName && (
            <TextInput
              label="Name"
              description="Letters, digits and _; pipelines read it as ${{ secrets.NAME }}"
              required
              pattern={NAME_PATTERN}
              maxLength={64}
              miw={220}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={problem?.about('name')}
            />
          )}
          <PasswordInput
            label={fixedName ? `New value of ${fixedName}` : 'Value'}
            description="At least 4 characters; it is encrypted and never shown again"
            required
            minLength={4}
            autoComplete="off"
            miw={220}
            data-autofocus={fixedName ? true : undefined}
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            error={problem?.about('value')}
          />
        </Group>
        <ProblemAlert error={save.error} />
        <Group>
          <Button type="submit" loading={save.isPending}>
            {fixedName ? 'Rotate' : 'Save the secret'}
          </Button>
          {save.data && !fixedName && (
            <Text size="sm" c="dimmed" role="status">
              Saved {save.data.name} (version {save.data.version}).
            </Text>
          )}
        </Group>
      </Stack>
    </form>
  );
}
