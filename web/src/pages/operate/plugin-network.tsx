import { Button, Card, Code, Group, Stack, TagsInput, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { ProblemAlert } from '../../components/problem-alert';
import { fieldError } from './field-error';
import type { Plugin } from './plugin-types';

/** The concrete host:port endpoints the plugin's steps may open TCP connections to, each within an approved pattern. */
export function PluginNetwork({ plugin, canEdit }: { plugin: Plugin; canEdit: boolean }) {
  const [endpoints, setEndpoints] = useState(plugin.networkEndpoints);
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => ok(api.PUT('/v1/plugins/{name}/network', { params: { path: { name: plugin.name } }, body: { endpoints } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['plugins'] }),
  });
  const patterns = plugin.approved === 'all' ? null : plugin.approved.network;
  if (patterns?.length === 0) return null;

  return (
    <Card withBorder>
      <Title order={2} size="h4" mb={4}>
        Network endpoints
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Raw TCP (databases, queues) goes only to the endpoints listed here
        {patterns ? (
          <>
            , each matching an approved pattern:{' '}
            {patterns.map((p) => (
              <Code key={p}>{p}</Code>
            ))}
          </>
        ) : (
          '.'
        )}
      </Text>
      <Stack>
        <TagsInput
          label="Endpoints (host:port)"
          placeholder="db.example.com:5432"
          value={endpoints}
          onChange={setEndpoints}
          disabled={!canEdit}
          error={fieldError(save.error, 'endpoints')}
        />
        <ProblemAlert error={save.error} />
        {canEdit && (
          <Group>
            <Button variant="default" loading={save.isPending} onClick={() => save.mutate()}>
              Save endpoints
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
