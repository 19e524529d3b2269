import { Alert, Badge, Button, EmptyState, Group, Modal, Stack, Switch, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { ConfirmButton } from '../../components/confirm-button';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { ProblemAlert } from '../../components/problem-alert';
import { ShownOnce } from '../../components/shown-once';
import { ChannelForm } from './alert-channel-form';
import { alertTypeLabel, CHANNEL_KINDS, type Channel } from './alert-types';

type Dialog = { kind: 'create' } | { kind: 'edit'; channel: Channel } | { kind: 'secret'; secret: string; created: boolean };

/** Where alerts go: webhook channels, each subscribed to some alert types (admins only, as the API requires). */
export function AlertChannels() {
  const [dialog, setDialog] = useState<Dialog>();
  const channels = useCursorList(['notification-channels'], (cursor) =>
    ok(api.GET('/v1/notification-channels', { params: { query: { cursor } } })),
  );
  const close = () => setDialog(undefined);
  const newButton = <Button onClick={() => setDialog({ kind: 'create' })}>New channel</Button>;

  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Each alert is POSTed, signed like inbound webhooks, to every enabled channel subscribed to its type, and retried until a 2xx
          answer.
        </Text>
        {channels.items.length > 0 && newButton}
      </Group>
      <ProblemAlert error={channels.error} />
      {channels.isSuccess && channels.items.length === 0 ? (
        <EmptyState
          title="No channels yet"
          description="Alerts are recorded either way; add a webhook channel (chat, paging, your own service) to be told when runs fail, SLAs are breached, quality checks fail or models drift."
        >
          <EmptyState.Actions>{newButton}</EmptyState.Actions>
        </EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={820}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Receives</Table.Th>
                <Table.Th>Enabled</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {channels.items.map((channel) => (
                <ChannelRow
                  key={channel.id}
                  channel={channel}
                  onEdit={() => setDialog({ kind: 'edit', channel })}
                  onSecret={(secret) => setDialog({ kind: 'secret', secret, created: false })}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={channels} />
      <Modal
        opened={Boolean(dialog)}
        onClose={close}
        size="lg"
        title={{ create: 'New channel', edit: 'Edit channel', secret: 'Signing secret' }[dialog?.kind ?? 'create']}
      >
        {dialog?.kind === 'create' && (
          <ChannelForm onSaved={(saved) => (saved.secret ? setDialog({ kind: 'secret', secret: saved.secret, created: true }) : close())} />
        )}
        {dialog?.kind === 'edit' && <ChannelForm channel={dialog.channel} onSaved={close} />}
        {dialog?.kind === 'secret' && (
          <Stack>
            {dialog.created && (
              <Text size="sm">The channel is created. Its receiver checks each alert&apos;s X-Baton-Signature with this secret.</Text>
            )}
            <ShownOnce label="Signing secret" value={dialog.secret} ifLost="If it is lost, rotate the secret to get a new one." />
            <Group justify="flex-end">
              <Button onClick={close}>I have copied the secret</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

function ChannelRow({ channel, onEdit, onSecret }: { channel: Channel; onEdit: () => void; onSecret: (secret: string) => void }) {
  const queryClient = useQueryClient();
  const params = { path: { id: channel.id } };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['notification-channels'] });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => ok(api.PATCH('/v1/notification-channels/{id}', { params, body: { enabled } })),
    onSuccess: refresh,
  });
  const test = useMutation({ mutationFn: () => ok(api.POST('/v1/notification-channels/{id}/test', { params })) });
  const rotate = async () => onSecret((await ok(api.POST('/v1/notification-channels/{id}/rotate-secret', { params }))).secret ?? '');
  const remove = async () => {
    await ok(api.DELETE('/v1/notification-channels/{id}', { params }));
    await refresh();
  };
  const fromSecret = channel.urlSecret ?? channel.routingKeySecret;
  const target =
    channel.type === 'email'
      ? (channel.to ?? []).join(', ')
      : fromSecret
        ? `secret ${fromSecret}`
        : (channel.url ?? channel.routingKey ?? '');
  const label = channel.name ?? target;

  return (
    <Table.Tr>
      <Table.Td>
        {channel.name && (
          <Text size="sm" fw={500}>
            {channel.name}
          </Text>
        )}
        <Text size="xs" ff="monospace" c="dimmed">
          {CHANNEL_KINDS.find((k) => k.value === channel.type)?.label}: {target}
        </Text>
        <ProblemAlert error={toggle.error} />
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {channel.events.map((event) => (
            <Badge key={event} variant="light" size="sm">
              {alertTypeLabel(event)}
            </Badge>
          ))}
        </Group>
        {channel.pipelines && (
          <Text size="xs" c="dimmed">
            Only {channel.pipelines.join(', ')}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Switch
          aria-label={`Enabled: ${label}`}
          checked={channel.enabled}
          disabled={toggle.isPending}
          onChange={(e) => toggle.mutate(e.currentTarget.checked)}
        />
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Button size="xs" variant="default" onClick={onEdit} aria-label={`Edit ${label}`}>
            Edit
          </Button>
          <Button size="xs" variant="default" loading={test.isPending} onClick={() => test.mutate()} aria-label={`Send a test to ${label}`}>
            Send test
          </Button>
          {channel.type === 'webhook' && (
            <ConfirmButton
              size="xs"
              color="orange"
              label="Rotate secret"
              aria-label={`Rotate the secret of ${label}`}
              title="Rotate the signing secret?"
              message="A new secret signs alerts from now on; the receiver must check against the new one."
              confirmLabel="Rotate"
              onConfirm={rotate}
            />
          )}
          <ConfirmButton
            size="xs"
            label="Delete"
            aria-label={`Delete ${label}`}
            title={`Delete ${label}?`}
            message="It receives no more alerts. Alerts already recorded stay."
            onConfirm={remove}
          />
        </Group>
        {test.data && (
          <Alert
            mt="xs"
            color={test.data.delivered ? 'green' : 'red'}
            role="status"
            title={test.data.delivered ? 'Test delivered' : 'Test not delivered'}
          >
            {test.data.statusCode !== null ? `HTTP ${test.data.statusCode}` : 'No answer'}
            {test.data.error ? `: ${test.data.error}` : ''} in {test.data.durationMs} ms
          </Alert>
        )}
        <ProblemAlert error={test.error} />
      </Table.Td>
    </Table.Tr>
  );
}
