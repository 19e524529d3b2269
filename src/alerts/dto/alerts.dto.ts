import { z } from 'zod';
import { instant as isoInstant, jsonObject, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';
import { secretNameParam } from '../../secrets/dto/secrets.dto.js';
import { ALERT_TYPES, CHANNEL_TYPES } from '../alert-types.js';

const pipelineName = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });
const instant = z.iso.datetime({ offset: true });

const alertType = z.enum(ALERT_TYPES, { error: () => `Must be one of ${ALERT_TYPES.join(', ')}` });
export const webhookUrl = z
  .url({ protocol: /^https?$/, error: () => 'Must be an http or https URL' })
  .max(2048)
  .refine((url) => {
    // Checks go on after the format one failed: what is no URL was already refused above.
    if (!URL.canParse(url)) return true;
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
export const routingKey = z
  .string()
  .regex(/^[A-Za-z0-9]{20,64}$/, { message: 'Must be the 32-character routing key of a PagerDuty Events API v2 integration' });
const recipients = z
  .array(z.email({ error: () => 'Must be an e-mail address' }))
  .min(1, 'Name at least one recipient')
  .max(20, 'At most 20 recipients');
/** A tenant secret's name (`PUT /v1/secrets/{name}`): the credential is read from it at each delivery. */
const secretName = secretNameParam.describe('The name of a tenant secret holding it, read at each delivery');
/** The pipelines whose alerts the channel receives (alerts about no pipeline, like usage, reach it too); null or absent for all. */
const pipelines = z
  .array(pipelineName)
  .min(1, 'Name at least one pipeline, or leave pipelines out for all')
  .max(100, 'At most 100 pipelines')
  .refine((list) => new Set(list).size === list.length, 'Names a pipeline twice');
const common = { events, name: channelName.optional(), enabled: z.boolean().default(true), pipelines: pipelines.optional() };

/** A credential given as itself or by a secret's name: exactly one of the two. */
const oneOf =
  (literal: string, secret: string) =>
  (body: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>): void => {
    if (body[literal] !== undefined && body[secret] !== undefined)
      ctx.addIssue({ code: 'custom', path: [secret], message: `Give ${literal} or ${secret}, not both` });
    else if (body[literal] === undefined && body[secret] === undefined)
      ctx.addIssue({ code: 'custom', path: [literal], message: `Give ${literal}, or ${secret} (the name of a tenant secret holding it)` });
  };
const urlOrSecret = (description: string) => ({ url: webhookUrl.describe(description).optional(), urlSecret: secretName.optional() });

/** A channel is one of the kinds, each with what it needs: a URL, a routing key, recipients. */
export const CreateChannelBody = z.discriminatedUnion(
  'type',
  [
    z
      .strictObject({ type: z.literal('webhook'), ...urlOrSecret('Where the signed JSON is posted'), ...common })
      .superRefine(oneOf('url', 'urlSecret')),
    z
      .strictObject({ type: z.literal('slack'), ...urlOrSecret("The Slack app's incoming-webhook URL"), ...common })
      .superRefine(oneOf('url', 'urlSecret')),
    z
      .strictObject({ type: z.literal('teams'), ...urlOrSecret("The Teams channel's workflow webhook URL"), ...common })
      .superRefine(oneOf('url', 'urlSecret')),
    z
      .strictObject({
        type: z.literal('pagerduty'),
        routingKey: routingKey.optional(),
        routingKeySecret: secretName.optional(),
        url: webhookUrl.describe('The Events API v2 endpoint, when not https://events.pagerduty.com/v2/enqueue (an EU account)').optional(),
        ...common,
      })
      .superRefine(oneOf('routingKey', 'routingKeySecret')),
    z.strictObject({ type: z.literal('email'), to: recipients, ...common }),
  ],
  { error: () => `Must be one of ${CHANNEL_TYPES.join(', ')}` },
);
export type CreateChannelBody = z.output<typeof CreateChannelBody>;

export const UpdateChannelBody = z
  .strictObject({
    /** Setting one of `url` and `urlSecret` clears the other. */
    url: webhookUrl.optional(),
    urlSecret: secretName.optional(),
    /** Setting one of `routingKey` and `routingKeySecret` clears the other. */
    routingKey: routingKey.optional(),
    routingKeySecret: secretName.optional(),
    to: recipients.optional(),
    events: events.optional(),
    name: channelName.nullable().optional(),
    enabled: z.boolean().optional(),
    /** null: every pipeline's alerts again. */
    pipelines: pipelines.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'Change at least one of the fields')
  .superRefine((body, ctx) => {
    for (const [literal, secret] of [
      ['url', 'urlSecret'],
      ['routingKey', 'routingKeySecret'],
    ] as const)
      if (body[literal] !== undefined && body[secret] !== undefined)
        ctx.addIssue({ code: 'custom', path: [secret], message: `Give ${literal} or ${secret}, not both` });
  });
export type UpdateChannelBody = z.output<typeof UpdateChannelBody>;

export const ChannelListQuery = z.strictObject({ ...paginationQuery, name: channelName.optional() });
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
  /** A webhook's URL; Slack's and Teams' shown only by their ends (the URL is their credential); none for e-mail, or when it comes from `urlSecret`. */
  url: z.string().nullable(),
  /** A webhook's, Slack's or Teams': the name of the tenant secret the URL is read from at each delivery. */
  urlSecret: z.string().nullable().optional(),
  /** E-mail's recipients. */
  to: z.array(z.string()).optional(),
  /** PagerDuty's routing key, only its last 4 characters shown; null when it comes from `routingKeySecret`. */
  routingKey: z.string().nullable().optional(),
  /** PagerDuty's: the name of the tenant secret the routing key is read from at each delivery. */
  routingKeySecret: z.string().nullable().optional(),
  events: z.array(z.enum(ALERT_TYPES)),
  /** The pipelines whose alerts it receives (and alerts about no pipeline); null for all. */
  pipelines: z.array(z.string()).nullable(),
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
