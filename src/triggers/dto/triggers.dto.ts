import { z } from 'zod';
import { STEP_DOMAIN_EVENT_TYPES } from '../../../workers/contracts/index.js';
import { parseDuration } from '../../../workers/contracts/duration.js';
import { instant, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';
import { durationField } from '../../common/validation/zod.js';
import { pipelineRef } from '../../pipelines/dto/pipelines.dto.js';
import { brokerCreateFields, brokerUpdateFields, brokerViewShapes } from './broker-triggers.dto.js';

const pipelineName = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });
/** Unique in the tenant: what `baton apply` matches a trigger of a Git folder by. */
const triggerName = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });
const inputsExpression = z.string().min(1).max(10_000);
const onStatus = z.enum(['succeeded', 'failed', 'finished']);
const MAX_COOLDOWN_MS = 90 * 86_400_000;
/** At most one run per this long (e.g. `6h`), kept as whole seconds. */
const cooldown = durationField
  .transform((text) => parseDuration(text)!)
  .pipe(z.int().min(1000, 'Must be at least 1s').max(MAX_COOLDOWN_MS, 'Must be at most 90d'))
  .transform((ms) => Math.ceil(ms / 1000));

export const CreateTriggerBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    name: triggerName.optional(),
    pipeline: pipelineRef,
    /** JSONata over `{ body, headers }` giving the run's inputs; the JSON body itself when left out. */
    inputs: inputsExpression.optional(),
  }),
  z.strictObject({
    type: z.literal('pipeline'),
    name: triggerName.optional(),
    pipeline: pipelineRef,
    /** Start `pipeline` when a run of `source` ends like this, with that run's outputs as inputs. */
    source: pipelineName,
    on: onStatus.default('succeeded'),
  }),
  z.strictObject({
    type: z.literal('event'),
    name: triggerName.optional(),
    pipeline: pipelineRef,
    /** Start `pipeline` when a step emits this event (once per event). */
    event: z.enum(STEP_DOMAIN_EVENT_TYPES),
    /** Only events emitted by runs of this pipeline; any pipeline's when left out. */
    source: pipelineName.optional(),
    /** JSONata over `{ event: { type, data, pipeline, runId, stepId, at } }` giving the run's inputs; none when left out. */
    inputs: inputsExpression.optional(),
    /** At most one run per this long (e.g. `6h`): events in between are kept as skipped deliveries. */
    cooldown: cooldown.optional(),
  }),
  z.strictObject({
    type: z.literal('amqp'),
    name: triggerName.optional(),
    pipeline: pipelineRef,
    /** JSONata over `{ body, headers, message }` giving the run's inputs; the JSON body itself when left out. */
    inputs: inputsExpression.optional(),
    ...brokerCreateFields.amqp,
  }),
  z.strictObject({
    type: z.literal('nats'),
    name: triggerName.optional(),
    pipeline: pipelineRef,
    inputs: inputsExpression.optional(),
    ...brokerCreateFields.nats,
  }),
]);
export type CreateTriggerBody = z.output<typeof CreateTriggerBody>;

/**
 * Fields left out stay as they are; `null` clears a nullable one. Which fields a trigger has depends
 * on its `type`, which cannot change: `inputs` (webhook, event, amqp, nats), `source` (pipeline; event,
 * nullable), `on` (pipeline), `event` and `cooldown` (event), the broker's fields (amqp, nats).
 */
export const UpdateTriggerBody = z
  .strictObject({
    name: triggerName.nullable().optional(),
    pipeline: pipelineRef.optional(),
    inputs: inputsExpression.nullable().optional(),
    source: pipelineName.nullable().optional(),
    on: onStatus.optional(),
    event: z.enum(STEP_DOMAIN_EVENT_TYPES).optional(),
    cooldown: cooldown.nullable().optional(),
    ...brokerUpdateFields,
  })
  // Only for a body with no other problem: an unknown field (`type`) is named alone.
  .refine((body) => Object.keys(body).length > 0, {
    message: 'Give at least one field to change',
    when: (payload) => payload.issues.length === 0,
  });
export type UpdateTriggerBody = z.output<typeof UpdateTriggerBody>;

export const TriggerListQuery = z.strictObject({ ...paginationQuery, name: triggerName.optional() });
export type TriggerListQuery = z.output<typeof TriggerListQuery>;

export const DeliveryListQuery = z.strictObject({
  ...paginationQuery,
  outcome: z.enum(['started', 'failed', 'skipped']).optional(),
});
export type DeliveryListQuery = z.output<typeof DeliveryListQuery>;

const triggerFields = {
  id: z.uuid(),
  name: z.string().nullable(),
  pipeline: z.string(),
  createdAt: instant,
  lastFiredAt: instant.nullable(),
};

/** A trigger; what else it holds depends on its `type`. */
export const TriggerView = z.discriminatedUnion('type', [
  z.strictObject({
    ...triggerFields,
    type: z.literal('webhook'),
    url: z.url().describe('Where the sender POSTs (signed with the secret)'),
    inputs: z.string().nullable().describe('The expression mapping the body to run inputs'),
  }),
  z.strictObject({
    ...triggerFields,
    type: z.literal('pipeline'),
    source: z.string().nullable(),
    on: onStatus.nullable(),
  }),
  z.strictObject({
    ...triggerFields,
    type: z.literal('event'),
    event: z.enum(STEP_DOMAIN_EVENT_TYPES).nullable(),
    source: z.string().nullable(),
    inputs: z.string().nullable(),
    cooldown: z.string().nullable(),
  }),
  z.strictObject({ ...triggerFields, type: z.literal('amqp'), ...brokerViewShapes.amqp }),
  z.strictObject({ ...triggerFields, type: z.literal('nats'), ...brokerViewShapes.nats }),
]);
export const TriggerPage = pageOf(TriggerView);

/** A trigger and, for a webhook trigger, its signing secret: shown once, here. */
export const TriggerCreated = z.union([
  z.strictObject({ ...TriggerView.options[0].shape, secret: z.string() }),
  TriggerView.options[1],
  TriggerView.options[2],
  TriggerView.options[3],
  TriggerView.options[4],
]);
export const TriggerWithSecret = z.strictObject({ ...TriggerView.options[0].shape, secret: z.string() });

export const DeliveryView = z.strictObject({
  id: z.string(),
  outcome: z.enum(['started', 'failed', 'skipped']),
  runId: z.uuid().nullable(),
  sourceRunId: z.uuid().nullable(),
  reason: z.string().nullable().describe('Why it started no run (`failed`, `skipped`); null when it started one'),
  createdAt: instant.describe('When it came (a refused webhook delivery sent again: when it last came)'),
});
export const DeliveryPage = pageOf(DeliveryView);

export const HookAccepted = z.strictObject({
  duplicate: z.boolean().describe('A delivery seen before: `runId` is the run the first one started'),
  runId: z.uuid().nullable(),
});
