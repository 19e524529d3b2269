import { Button, Checkbox, Group, Select, Stack, Switch, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ProblemAlert } from '../../components/problem-alert';
import {
  ALERT_TYPES,
  CHANNEL_KINDS,
  type AlertType,
  type Channel,
  type ChannelType,
  type CreateChannelBody,
  type UpdateChannelBody,
} from './alert-types';
import { fieldError } from './field-error';

export interface ChannelFormValues {
  type: ChannelType;
  name: string;
  /** The webhook (Slack's, Teams', or PagerDuty's endpoint); empty when editing keeps the one saved. */
  url: string;
  routingKey: string;
  /** E-mail recipients, separated by commas. */
  to: string;
  events: AlertType[];
  enabled: boolean;
}

const recipients = (to: string) =>
  to
    .split(/[,;\s]+/)
    .map((a) => a.trim())
    .filter(Boolean);

export const channelCreateBody = (v: ChannelFormValues): CreateChannelBody => {
  const common = { events: v.events, enabled: v.enabled, ...(v.name.trim() ? { name: v.name.trim() } : {}) };
  switch (v.type) {
    case 'email':
      return { type: 'email', to: recipients(v.to), ...common };
    case 'pagerduty':
      return { type: 'pagerduty', routingKey: v.routingKey.trim(), ...(v.url.trim() ? { url: v.url.trim() } : {}), ...common };
    default:
      return { type: v.type, url: v.url.trim(), ...common };
  }
};

/** Only what was typed: a Slack, Teams or PagerDuty credential left empty stays as saved. */
export const channelUpdateBody = (v: ChannelFormValues): UpdateChannelBody => ({
  ...(v.url.trim() ? { url: v.url.trim() } : {}),
  ...(v.type === 'pagerduty' && v.routingKey.trim() ? { routingKey: v.routingKey.trim() } : {}),
  ...(v.type === 'email' ? { to: recipients(v.to) } : {}),
  events: v.events,
  enabled: v.enabled,
  name: v.name.trim() || null,
});

type Saved = Channel & { secret?: string };

/** Creates a channel (a webhook's answer carries the signing secret, once) or edits `channel`. */
export function ChannelForm({ channel, onSaved }: { channel?: Channel; onSaved: (saved: Saved) => void }) {
  const [values, setValues] = useState<ChannelFormValues>({
    type: channel?.type ?? 'webhook',
    name: channel?.name ?? '',
    // Slack's, Teams' and PagerDuty's saved URLs are shown masked: not a value to send back.
    url: channel?.type === 'webhook' ? (channel.url ?? '') : '',
    routingKey: '',
    to: channel?.to?.join(', ') ?? '',
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
  const kind = CHANNEL_KINDS.find((k) => k.value === values.type)!;
  const keeping = Boolean(channel) && values.type !== 'webhook';

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
        <Select
          label="Kind"
          data={CHANNEL_KINDS.map((k) => ({ value: k.value, label: k.label }))}
          value={values.type}
          disabled={Boolean(channel)}
          allowDeselect={false}
          onChange={(type) => type && setValues({ ...values, type: type })}
          error={problem('type')}
        />
        {kind.url && (
          <TextInput
            label={kind.url.label}
            description={keeping ? `${kind.url.description} Leave empty to keep ${channel?.url ?? 'the default'}.` : kind.url.description}
            type="url"
            required={kind.url.required && !keeping}
            placeholder={kind.url.placeholder}
            value={values.url}
            onChange={(e) => setValues({ ...values, url: e.currentTarget.value })}
            error={problem('url')}
          />
        )}
        {values.type === 'pagerduty' && (
          <TextInput
            label="Routing key"
            description={
              keeping
                ? `The integration key of an Events API v2 integration. Leave empty to keep ${channel?.routingKey ?? ''}.`
                : 'The integration key of an Events API v2 integration.'
            }
            required={!keeping}
            value={values.routingKey}
            onChange={(e) => setValues({ ...values, routingKey: e.currentTarget.value })}
            error={problem('routingKey')}
          />
        )}
        {values.type === 'email' && (
          <TextInput
            label="Recipients"
            description="E-mail addresses, separated by commas."
            required
            placeholder="oncall@example.com"
            value={values.to}
            onChange={(e) => setValues({ ...values, to: e.currentTarget.value })}
            error={problem('to')}
          />
        )}
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
