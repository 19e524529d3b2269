import { Button, Checkbox, Group, Stack, Switch, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ProblemAlert } from '../../components/problem-alert';
import { ALERT_TYPES, type AlertType, type Channel, type CreateChannelBody, type UpdateChannelBody } from './alert-types';
import { fieldError } from './field-error';

export interface ChannelFormValues {
  name: string;
  url: string;
  events: AlertType[];
  enabled: boolean;
}

export const channelCreateBody = (v: ChannelFormValues): CreateChannelBody => ({
  type: 'webhook',
  url: v.url.trim(),
  events: v.events,
  enabled: v.enabled,
  ...(v.name.trim() ? { name: v.name.trim() } : {}),
});

export const channelUpdateBody = (v: ChannelFormValues): UpdateChannelBody => ({
  url: v.url.trim(),
  events: v.events,
  enabled: v.enabled,
  name: v.name.trim() || null,
});

type Saved = Channel & { secret?: string };

/** Creates a webhook channel (its answer carries the signing secret, once) or edits `channel`. */
export function ChannelForm({ channel, onSaved }: { channel?: Channel; onSaved: (saved: Saved) => void }) {
  const [values, setValues] = useState<ChannelFormValues>({
    name: channel?.name ?? '',
    url: channel?.url ?? '',
    events: channel?.events ?? ['run.failed'],
    enabled: channel?.enabled ?? true,
  });
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (): Promise<Saved> =>
      channel
        ? ok(api.PATCH('/v1/notification-channels/{id}', { params: { path: { id: channel.id } }, body: channelUpdateBody(values) }))
        : ok(api.POST('/v1/notification-channels', { body: channelCreateBody(values) })),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['notification-channels'] });
      onSaved(saved);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const problem = (path: string) => fieldError(save.error, path);

  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput
          label="Name"
          description="Optional, for you to tell channels apart."
          value={values.name}
          onChange={(e) => setValues({ ...values, name: e.currentTarget.value })}
          error={problem('name')}
        />
        <TextInput
          label="Webhook URL"
          description="Baton POSTs each alert here, signed; it must resolve to a public address."
          type="url"
          required
          placeholder="https://hooks.example.com/baton"
          value={values.url}
          onChange={(e) => setValues({ ...values, url: e.currentTarget.value })}
          error={problem('url')}
        />
        <Checkbox.Group
          label="Alerts it receives"
          value={values.events}
          onChange={(events) => setValues({ ...values, events: events })}
          error={problem('events')}
        >
          <Stack gap="xs" mt={4}>
            {ALERT_TYPES.map((type) => (
              <Checkbox key={type.value} value={type.value} label={type.label} description={type.explanation} />
            ))}
          </Stack>
        </Checkbox.Group>
        <Switch
          label="Enabled"
          description="A disabled channel keeps its settings and receives nothing."
          checked={values.enabled}
          onChange={(e) => setValues({ ...values, enabled: e.currentTarget.checked })}
        />
        <ProblemAlert error={save.error} />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending}>
            {channel ? 'Save changes' : 'Create channel'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
