import { z } from 'zod';
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
