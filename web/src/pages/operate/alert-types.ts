import type { paths } from '../../api/schema';

export type Channel = paths['/v1/notification-channels']['get']['responses'][200]['content']['application/json']['items'][number];
export type CreateChannelBody = paths['/v1/notification-channels']['post']['requestBody']['content']['application/json'];
export type UpdateChannelBody = paths['/v1/notification-channels/{id}']['patch']['requestBody']['content']['application/json'];
export type AlertType = Channel['events'][number];
export type ChannelType = Channel['type'];

interface UrlField {
  label: string;
  description: string;
  placeholder: string;
  required: boolean;
}

/** Each kind of channel, and the URL it takes (e-mail takes none). */
export const CHANNEL_KINDS: { value: ChannelType; label: string; url: UrlField | null }[] = [
  {
    value: 'webhook',
    label: 'Webhook (signed JSON)',
    url: {
      label: 'Webhook URL',
      description: 'Baton POSTs each alert here, signed; it must resolve to a public address.',
      placeholder: 'https://hooks.example.com/baton',
      required: true,
    },
  },
  {
    value: 'slack',
    label: 'Slack',
    url: {
      label: 'Incoming webhook URL',
      description: 'From the Slack app of your workspace (Incoming Webhooks).',
      placeholder: 'https://hooks.slack.com/services/…',
      required: true,
    },
  },
  {
    value: 'teams',
    label: 'Microsoft Teams',
    url: {
      label: 'Workflow webhook URL',
      description: 'From the Teams channel\'s "Post to a channel when a webhook request is received" workflow.',
      placeholder: 'https://…logic.azure.com/…',
      required: true,
    },
  },
  {
    value: 'pagerduty',
    label: 'PagerDuty',
    url: {
      label: 'Events API endpoint',
      description: 'Only for an EU account: https://events.eu.pagerduty.com/v2/enqueue.',
      placeholder: 'https://events.pagerduty.com/v2/enqueue',
      required: false,
    },
  },
  { value: 'email', label: 'E-mail', url: null },
];

export const ALERT_TYPES: { value: AlertType; label: string; explanation: string }[] = [
  { value: 'run.failed', label: 'Run failed', explanation: 'A run ended failed or timed out.' },
  {
    value: 'run.recovered',
    label: 'Run recovered',
    explanation: "A run succeeded after the pipeline's previous run failed (resolves the PagerDuty incident).",
  },
  { value: 'sla.at_risk', label: 'SLA at risk', explanation: 'A run is still going after 80% of its SLA.' },
  { value: 'sla.breached', label: 'SLA breached', explanation: 'A run went past its SLA (raised while it is still going).' },
  { value: 'quality.failed', label: 'Quality check failed', explanation: 'A step failed with quality_failed.' },
  { value: 'model.drift_detected', label: 'Model drift', explanation: 'A step reported model drift.' },
  { value: 'usage.warning', label: 'Usage at 80%', explanation: "This month's runs or step-seconds reached 80% of the plan." },
  { value: 'usage.exceeded', label: 'Usage at 100%', explanation: "This month's runs or step-seconds reached the plan's limit." },
  {
    value: 'fire.skipped',
    label: 'Fire started no run',
    explanation: 'A schedule or trigger went off but its pipeline or tag is gone, or its inputs no longer fit.',
  },
];

export const alertTypeLabel = (type: AlertType) => ALERT_TYPES.find((t) => t.value === type)?.label ?? type;
