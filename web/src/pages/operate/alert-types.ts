import type { paths } from '../../api/schema';

export type Channel = paths['/v1/notification-channels']['get']['responses'][200]['content']['application/json']['items'][number];
export type CreateChannelBody = paths['/v1/notification-channels']['post']['requestBody']['content']['application/json'];
export type UpdateChannelBody = paths['/v1/notification-channels/{id}']['patch']['requestBody']['content']['application/json'];
export type AlertType = Channel['events'][number];

export const ALERT_TYPES: { value: AlertType; label: string; explanation: string }[] = [
  { value: 'run.failed', label: 'Run failed', explanation: 'A run ended failed or timed out.' },
  { value: 'sla.breached', label: 'SLA breached', explanation: 'A run went past its SLA (raised while it is still going).' },
  { value: 'quality.failed', label: 'Quality check failed', explanation: 'A step failed with quality_failed.' },
  { value: 'model.drift_detected', label: 'Model drift', explanation: 'A step reported model drift.' },
];

export const alertTypeLabel = (type: AlertType) => ALERT_TYPES.find((t) => t.value === type)?.label ?? type;
