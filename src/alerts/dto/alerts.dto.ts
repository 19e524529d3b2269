import { z } from 'zod';
import { instant as isoInstant, jsonObject, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';
import { ALERT_TYPES } from '../alert-types.js';

const pipelineName = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });
const instant = z.iso.datetime({ offset: true });

const alertType = z.enum(ALERT_TYPES, { error: () => `Must be one of ${ALERT_TYPES.join(', ')}` });
const webhookUrl = z
  .url({ protocol: /^https?$/, error: () => 'Must be an http or https URL' })
  .max(2048)
  .refine((url) => {
    const u = new URL(url);
    return !u.username && !u.password;
  }, 'Credentials in the URL are not allowed; the payload is signed instead');
const events = z
  .array(alertType)
  .min(1, 'Subscribe to at least one event')
  .max(ALERT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'Names an event twice');
const channelName = z.string().trim().min(1).max(200);

export const CreateChannelBody = z.strictObject({
  type: z.literal('webhook', { error: () => 'Must be webhook' }),
  url: webhookUrl,
  events,
  name: channelName.optional(),
  enabled: z.boolean().default(true),
});
export type CreateChannelBody = z.output<typeof CreateChannelBody>;

export const UpdateChannelBody = z
  .strictObject({
    url: webhookUrl.optional(),
    events: events.optional(),
    name: channelName.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'Change at least one of url, events, name, enabled');
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
  type: z.literal('webhook'),
  name: z.string().nullable(),
  url: z.string(),
  events: z.array(z.enum(ALERT_TYPES)),
  enabled: z.boolean(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export const ChannelPage = pageOf(ChannelView);
/** The channel and its signing secret: shown once, here. */
export const ChannelWithSecret = z.strictObject({ ...ChannelView.shape, secret: z.string() });

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
  pipeline: z.string(),
  runId: z.uuid(),
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
      channel: z.strictObject({ id: z.uuid(), name: z.string().nullable(), url: z.string() }),
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
