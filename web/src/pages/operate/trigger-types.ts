import type { paths } from '../../api/schema';

export type Trigger = paths['/v1/triggers/{id}']['get']['responses'][200]['content']['application/json'];
export type TriggerType = Trigger['type'];
export type CreateTriggerBody = paths['/v1/triggers']['post']['requestBody']['content']['application/json'];
export type CreatedTrigger = paths['/v1/triggers']['post']['responses'][201]['content']['application/json'];
export type Delivery = paths['/v1/triggers/{id}/deliveries']['get']['responses'][200]['content']['application/json']['items'][number];
export type DeliveryOutcome = Delivery['outcome'];

export const TRIGGER_TYPES: { value: TriggerType; label: string; explanation: string }[] = [
  {
    value: 'webhook',
    label: 'Webhook',
    explanation: 'Another system POSTs a signed request to a URL; its JSON body becomes the run inputs.',
  },
  { value: 'pipeline', label: 'Pipeline', explanation: 'A run of another pipeline ends; its outputs become the run inputs.' },
  { value: 'event', label: 'Event', explanation: 'A step emits an event (such as model drift); an expression maps it to run inputs.' },
];

/** What sets the trigger off, in one line: the URL, the source pipeline and outcome, the event, or the queue or subject. */
export function describeSource(trigger: Trigger): string {
  if (trigger.type === 'webhook') return trigger.url;
  if (trigger.type === 'pipeline') return `${trigger.source ?? '?'} ${trigger.on ?? 'succeeded'}`;
  if (trigger.type === 'amqp') return `AMQP queue ${trigger.queue} (${trigger.enabled ? trigger.listener.state : 'disabled'})`;
  if (trigger.type === 'nats')
    return `NATS ${trigger.stream ? `stream ${trigger.stream}, ` : ''}subject ${trigger.subject} (${trigger.enabled ? trigger.listener.state : 'disabled'})`;
  return `${trigger.event ?? 'event'}${trigger.source ? ` from ${trigger.source}` : ''}${trigger.cooldown ? `, at most once per ${trigger.cooldown}` : ''}`;
}
