import { Alert, Button, Group, Stack, TagsInput, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { ProblemAlert } from '../../components/problem-alert';
import { fieldError } from './field-error';
import { PermissionList } from './plugin-permissions';
import { unapproved, type EnablePluginBody, type Plugin, type PluginVersion } from './plugin-types';

/** The request that enables the plugin and approves what `version` asks for, plus the tenant secrets named. */
export function enableBody(version: string, secrets: string[]): EnablePluginBody {
  return { version, ...(secrets.length ? { secrets } : {}) };
}

/**
 * Enabling a version approves everything it asks for (added to what earlier versions were granted),
 * so the admin sees all of it, and what is new, before saying yes.
 */
export function PluginApproval({ plugin, version, onDone }: { plugin: Plugin; version: PluginVersion; onDone: () => void }) {
  const [secrets, setSecrets] = useState<string[]>([]);
  const queryClient = useQueryClient();
  const tenantSecrets = useQuery({
    queryKey: ['secrets', 'names'],
    queryFn: async () => (await ok(api.GET('/v1/secrets'))).items.map((secret) => secret.name),
  });
  const enable = useMutation({
    mutationFn: () =>
      ok(api.POST('/v1/plugins/{name}/enable', { params: { path: { name: plugin.name } }, body: enableBody(version.version, secrets) })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['plugins'] });
      onDone();
    },
  });
  const added = unapproved(version.permissions, plugin.approved);

  return (
    <Stack>
      <Text size="sm">
        Enabling {plugin.name}@{version.version} lets pipelines of this tenant use its steps, which may reach:
      </Text>
      <PermissionList permissions={version.permissions} />
      {plugin.enabled && (
        <>
          <Text size="sm" fw={500}>
            Not approved before
          </Text>
          <PermissionList permissions={added} none="Nothing: everything it asks for is approved already." />
        </>
      )}
      {!plugin.verified && (
        <Alert color="yellow" title="Unverified publisher" role="note">
          {plugin.publisher} is not a verified publisher: its code runs in Baton&apos;s sandbox, limited to what you approve here.
        </Alert>
      )}
      <TagsInput
        label="Tenant secrets it may receive"
        description="Names of secrets pipelines may pass to its secret input fields (${{ secrets.NAME }}); added to those approved before. Leave empty for none."
        data={tenantSecrets.data ?? []}
        value={secrets}
        onChange={setSecrets}
        clearable
        error={fieldError(enable.error, 'secrets')}
      />
      <ProblemAlert error={enable.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button loading={enable.isPending} onClick={() => enable.mutate()}>
          {plugin.enabled ? 'Approve' : 'Enable and approve'}
        </Button>
      </Group>
    </Stack>
  );
}
