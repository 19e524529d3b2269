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
  /** The URL (PagerDuty: the routing key) is read from the tenant secret named `secret` instead. */
  fromSecret: boolean;
  secret: string;
  /** E-mail recipients, separated by commas. */
  to: string;
  events: AlertType[];
  /** The pipelines whose alerts it receives, separated by commas; empty for all. */
  pipelines: string;
  enabled: boolean;
}

const list = (text: string) =>
  text
    .split(/[,;\s]+/)
    .map((a) => a.trim())
    .filter(Boolean);

export const channelCreateBody = (v: ChannelFormValues): CreateChannelBody => {
  const pipelines = list(v.pipelines);
  const common = {
    events: v.events,
    enabled: v.enabled,
    ...(v.name.trim() ? { name: v.name.trim() } : {}),
    ...(pipelines.length ? { pipelines } : {}),
  };
  switch (v.type) {
    case 'email':
      return { type: 'email', to: list(v.to), ...common };
    case 'pagerduty':
      return {
        type: 'pagerduty',
        ...(v.fromSecret ? { routingKeySecret: v.secret.trim() } : { routingKey: v.routingKey.trim() }),
        ...(v.url.trim() ? { url: v.url.trim() } : {}),
        ...common,
      };
    default:
      return { type: v.type, ...(v.fromSecret ? { urlSecret: v.secret.trim() } : { url: v.url.trim() }), ...common };
  }
};

/** Only what was typed: a Slack, Teams or PagerDuty credential left empty stays as saved. */
export const channelUpdateBody = (v: ChannelFormValues): UpdateChannelBody => {
  const pipelines = list(v.pipelines);
  const secret = v.fromSecret ? v.secret.trim() : '';
  return {
    ...(v.url.trim() && !(v.fromSecret && v.type !== 'pagerduty') ? { url: v.url.trim() } : {}),
    ...(secret ? (v.type === 'pagerduty' ? { routingKeySecret: secret } : { urlSecret: secret }) : {}),
    ...(v.type === 'pagerduty' && !v.fromSecret && v.routingKey.trim() ? { routingKey: v.routingKey.trim() } : {}),
    ...(v.type === 'email' ? { to: list(v.to) } : {}),
    events: v.events,
    enabled: v.enabled,
    name: v.name.trim() || null,
    pipelines: pipelines.length ? pipelines : null,
  };
};

type Saved = Channel & { secret?: string };

/** Creates a channel (a webhook's answer carries the signing secret, once) or edits `channel`. */
export function ChannelForm({ channel, onSaved }: { channel?: Channel; onSaved: (saved: Saved) => void }) {
  const [values, setValues] = useState<ChannelFormValues>({
    type: channel?.type ?? 'webhook',
    name: channel?.name ?? '',
    // Slack's, Teams' and PagerDuty's saved URLs are shown masked: not a value to send back.
    url: channel?.type === 'webhook' ? (channel.url ?? '') : '',
    routingKey: '',
    fromSecret: Boolean(channel?.urlSecret ?? channel?.routingKeySecret),
    secret: channel?.urlSecret ?? channel?.routingKeySecret ?? '',
    to: channel?.to?.join(', ') ?? '',
    events: channel?.events ?? ['run.failed'],
    pipelines: channel?.pipelines?.join(', ') ?? '',
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
  const pagerDuty = values.type === 'pagerduty';
  /** Webhook, Slack and Teams take their URL from a secret, PagerDuty its routing key. */
  const secretField = values.type !== 'email' && (
    <>
      <Switch
        label={pagerDuty ? 'Key from a secret' : 'URL from a secret'}
        description="Keeps the credential out of the channel (and out of a Git folder): it is read from the tenant's secret at each delivery."
        checked={values.fromSecret}
        onChange={(e) => setValues({ ...values, fromSecret: e.currentTarget.checked })}
      />
      {values.fromSecret && (
        <TextInput
          label="Secret name"
          description={`The name of a secret on the Secrets page holding the ${pagerDuty ? 'routing key' : 'URL'}.`}
          required
          placeholder={pagerDuty ? 'PAGERDUTY_ROUTING_KEY' : 'SLACK_WEBHOOK_URL'}
          value={values.secret}
          onChange={(e) => setValues({ ...values, secret: e.currentTarget.value })}
          error={problem(pagerDuty ? 'routingKeySecret' : 'urlSecret')}
        />
      )}
    </>
  );

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
        {secretField}
        {kind.url && !(values.fromSecret && !pagerDuty) && (
          <TextInput
            label={kind.url.label}
            description={
              keeping
                ? `${kind.url.description} Leave empty to keep ${channel?.url ?? (channel?.urlSecret ? 'the secret' : 'the default')}.`
                : kind.url.description
            }
            type="url"
            required={kind.url.required && !keeping}
            placeholder={kind.url.placeholder}
            value={values.url}
            onChange={(e) => setValues({ ...values, url: e.currentTarget.value })}
            error={problem('url')}
          />
        )}
        {pagerDuty && !values.fromSecret && (
          <TextInput
            label="Routing key"
            description={
              keeping
                ? `The integration key of an Events API v2 integration. Leave empty to keep ${channel?.routingKey ?? 'the secret'}.`
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
        <TextInput
          label="Pipelines"
          description="Only the alerts of these pipelines (names separated by commas), and those about no pipeline; empty for every pipeline."
          placeholder="nightly-etl, billing-export"
          value={values.pipelines}
          onChange={(e) => setValues({ ...values, pipelines: e.currentTarget.value })}
          error={problem('pipelines')}
        />
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
