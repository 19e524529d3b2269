import { z } from 'zod';
import { instant as isoInstant, jsonObject, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';
import { ALERT_TYPES, CHANNEL_TYPES } from '../alert-types.js';

const pipelineName = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });
const instant = z.iso.datetime({ offset: true });

const alertType = z.enum(ALERT_TYPES, { error: () => `Must be one of ${ALERT_TYPES.join(', ')}` });
const webhookUrl = z
  .url({ protocol: /^https?$/, error: () => 'Must be an http or https URL' })
  .max(2048)
  .refine((url) => {
    const u = new URL(url);
    return !u.username && !u.password;
  }, 'Credentials in the URL are not allowed');
const events = z
  .array(alertType)
  .min(1, 'Subscribe to at least one event')
  .max(ALERT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'Names an event twice');
const channelName = z.string().trim().min(1).max(200);
/** A PagerDuty integration's routing key (Events API v2): 32 characters as PagerDuty issues them. */
const routingKey = z
  .string()
  .regex(/^[A-Za-z0-9]{20,64}$/, { message: 'Must be the 32-character routing key of a PagerDuty Events API v2 integration' });
const recipients = z
  .array(z.email({ error: () => 'Must be an e-mail address' }))
  .min(1, 'Name at least one recipient')
  .max(20, 'At most 20 recipients');
const common = { events, name: channelName.optional(), enabled: z.boolean().default(true) };

/** A channel is one of the kinds, each with what it needs: a URL, a routing key, recipients. */
export const CreateChannelBody = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('webhook'), url: webhookUrl, ...common }),
    z.strictObject({ type: z.literal('slack'), url: webhookUrl.describe("The Slack app's incoming-webhook URL"), ...common }),
    z.strictObject({ type: z.literal('teams'), url: webhookUrl.describe("The Teams channel's workflow webhook URL"), ...common }),
    z.strictObject({
      type: z.literal('pagerduty'),
      routingKey,
      url: webhookUrl.describe('The Events API v2 endpoint, when not https://events.pagerduty.com/v2/enqueue (an EU account)').optional(),
      ...common,
    }),
    z.strictObject({ type: z.literal('email'), to: recipients, ...common }),
  ],
  { error: () => `Must be one of ${CHANNEL_TYPES.join(', ')}` },
);
export type CreateChannelBody = z.output<typeof CreateChannelBody>;

export const UpdateChannelBody = z
  .strictObject({
    url: webhookUrl.optional(),
    routingKey: routingKey.optional(),
    to: recipients.optional(),
    events: events.optional(),
    name: channelName.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'Change at least one of url, routingKey, to, events, name, enabled');
export type UpdateChannelBody = z.output<typeof UpdateChannelBody>;

export const ChannelListQuery = z.strictObject({ ...paginationQuery });
export type ChannelListQuery = z.output<typeof ChannelListQuery>;

export const AlertListQuery = z.strictObject({
  ...paginationQuery,
  type: alertType.optional(),
  pipeline: pipelineName.optional(),
  run: z.uuid({ message: 'Must be a UUID' }).optional(),
  /** Alerts recorded at or after `from`, and before `to`. */
  from: instant.optional(),
  to: instant.optional(),
});
export type AlertListQuery = z.output<typeof AlertListQuery>;

export const ChannelView = z.strictObject({
  id: z.uuid(),
  type: z.enum(CHANNEL_TYPES),
  name: z.string().nullable(),
  /** A webhook's URL; Slack's and Teams' shown only by their ends (the URL is their credential); none for e-mail. */
  url: z.string().nullable(),
  /** E-mail's recipients. */
  to: z.array(z.string()).optional(),
  /** PagerDuty's routing key, only its last 4 characters shown. */
  routingKey: z.string().optional(),
  events: z.array(z.enum(ALERT_TYPES)),
  enabled: z.boolean(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export const ChannelPage = pageOf(ChannelView);
/** The channel and, for a webhook, its signing secret: shown once, here. */
export const ChannelWithSecret = z.strictObject({ ...ChannelView.shape, secret: z.string().optional() });

export const ChannelTested = z.strictObject({
  deliveryId: z.uuid(),
  delivered: z.boolean(),
  statusCode: z.int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});

export const AlertView = z.strictObject({
  id: z.uuid(),
  type: z.enum(ALERT_TYPES),
  pipeline: z.string().nullable(),
  runId: z.uuid().nullable(),
  stepId: z.string().nullable(),
  message: z.string(),
  data: jsonObject,
  occurredAt: isoInstant,
  createdAt: isoInstant,
});
export const AlertPage = pageOf(AlertView);

export const AlertDetail = z.strictObject({
  ...AlertView.shape,
  deliveries: z.array(
    z.strictObject({
      id: z.uuid(),
      channel: z.strictObject({ id: z.uuid(), name: z.string().nullable(), type: z.enum(CHANNEL_TYPES), url: z.string().nullable() }),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.int(),
      nextAttemptAt: isoInstant.nullable(),
      lastError: z.string().nullable(),
      deliveredAt: isoInstant.nullable(),
      createdAt: isoInstant,
      log: z.array(
        z.strictObject({
          attempt: z.int(),
          statusCode: z.int().nullable(),
          error: z.string().nullable(),
          durationMs: z.number(),
          at: isoInstant,
        }),
      ),
    }),
  ),
});
