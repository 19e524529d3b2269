import type { FieldProblem } from '../common/errors/baton-error.js';
import { DEFAULT_PREFETCH } from './dto/broker-triggers.dto.js';
import type { CreateTriggerBody, UpdateTriggerBody } from './dto/triggers.dto.js';
import type { BrokerConfig, TriggerFields, TriggerRow } from './triggers.repository.js';

/** What the trigger starts: `name`, or `name@tag`. */
export const refOf = (t: Pick<TriggerFields, 'pipelineName' | 'pipelineTag'>) =>
  t.pipelineTag ? `${t.pipelineName}@${t.pipelineTag}` : t.pipelineName;

const splitRef = (ref: string) => {
  const [pipelineName, pipelineTag] = ref.split('@');
  return { pipelineName, pipelineTag: pipelineTag ?? null };
};

/** The fields of a PATCH each type of trigger has. */
const EDITABLE: Record<TriggerRow['type'], ReadonlyArray<keyof UpdateTriggerBody>> = {
  webhook: ['name', 'pipeline', 'inputs'],
  pipeline: ['name', 'pipeline', 'source', 'on'],
  event: ['name', 'pipeline', 'inputs', 'source', 'event', 'cooldown'],
  amqp: ['name', 'pipeline', 'inputs', 'connectionSecret', 'queue', 'idHeader', 'prefetch', 'enabled'],
  nats: ['name', 'pipeline', 'inputs', 'connectionSecret', 'subject', 'queueGroup', 'stream', 'prefetch', 'enabled'],
};

/** The fields of a PATCH that change what a broker trigger's listener connects to and consumes. */
const BROKER_FIELDS = ['connectionSecret', 'queue', 'idHeader', 'subject', 'queueGroup', 'stream', 'prefetch'] as const;

export const isBrokerType = (type: TriggerRow['type']): type is 'amqp' | 'nats' => type === 'amqp' || type === 'nats';

function brokerOf(body: CreateTriggerBody): BrokerConfig | null {
  if (body.type === 'amqp')
    return {
      connectionSecret: body.connectionSecret,
      queue: body.queue,
      idHeader: body.idHeader ?? null,
      prefetch: body.prefetch ?? DEFAULT_PREFETCH,
    };
  if (body.type === 'nats')
    return {
      connectionSecret: body.connectionSecret,
      subject: body.subject,
      queueGroup: body.queueGroup ?? null,
      stream: body.stream ?? null,
      prefetch: body.prefetch ?? DEFAULT_PREFETCH,
    };
  return null;
}

export const LOOP_MESSAGE = 'A trigger cannot start the pipeline it listens to';

/** A new trigger's fields. */
export function fieldsOfCreate(body: CreateTriggerBody): TriggerFields {
  return {
    name: body.name ?? null,
    ...splitRef(body.pipeline),
    inputsExpression: body.type === 'pipeline' ? null : (body.inputs ?? null),
    sourcePipeline: body.type === 'pipeline' || body.type === 'event' ? (body.source ?? null) : null,
    onStatus: body.type === 'pipeline' ? body.on : null,
    eventType: body.type === 'event' ? body.event : null,
    cooldownSeconds: body.type === 'event' ? (body.cooldown ?? null) : null,
    broker: brokerOf(body),
    enabled: body.type === 'amqp' || body.type === 'nats' ? (body.enabled ?? true) : true,
  };
}

/**
 * The fields a PATCH sets (left out: unchanged), and the problems of one naming fields the trigger's
 * type does not have. A broker trigger's fields are set over its `broker` as it is.
 */
export function changeOf(
  type: TriggerRow['type'],
  body: UpdateTriggerBody,
  broker: BrokerConfig | null = null,
): { change: Partial<TriggerFields>; problems: FieldProblem[] } {
  const problems: FieldProblem[] = (Object.keys(body) as Array<keyof UpdateTriggerBody>)
    .filter((field) => !EDITABLE[type].includes(field))
    .map((field) => ({ path: field, message: `A ${type} trigger has no \`${field}\`` }));
  if (type === 'pipeline' && body.source === null)
    problems.push({ path: 'source', message: 'A pipeline trigger listens to a pipeline: give its name' });
  const change: Partial<TriggerFields> = {
    name: body.name,
    ...(body.pipeline !== undefined && splitRef(body.pipeline)),
    inputsExpression: body.inputs,
    sourcePipeline: body.source,
    onStatus: body.on,
    eventType: body.event,
    cooldownSeconds: body.cooldown,
    enabled: body.enabled,
    broker:
      broker && BROKER_FIELDS.some((field) => body[field] !== undefined)
        ? {
            ...broker,
            ...Object.fromEntries(BROKER_FIELDS.filter((field) => body[field] !== undefined).map((field) => [field, body[field]])),
          }
        : undefined,
  };
  return { change: Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)), problems };
}

/** What the checks look up: the pipelines, whether an expression compiles as a mapping, and a broker's secret and address. */
export interface TriggerLookups {
  findRef(tenantId: string, ref: string): Promise<unknown>;
  mappingProblem(expression: string): string | undefined;
  brokerProblem(tenantId: string, type: 'amqp' | 'nats', secret: string): Promise<string | undefined>;
}

/**
 * What create and PATCH both refuse: a pipeline (or tag) to start or a source that does not exist,
 * a mapping that does not compile, a trigger that starts the pipeline it listens to. `fields` is the
 * trigger as it would be; only what `given` sets (all of it on create) is looked up, so that a
 * trigger whose pipeline was deleted since may still be renamed.
 */
export async function triggerProblems(
  lookups: TriggerLookups,
  tenantId: string,
  fields: TriggerFields,
  given: Partial<TriggerFields>,
  type: TriggerRow['type'] = 'webhook',
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  if (given.pipelineName !== undefined && !(await lookups.findRef(tenantId, refOf(fields))))
    problems.push({
      path: 'pipeline',
      message: fields.pipelineTag
        ? `Pipeline ${fields.pipelineName} has no tag ${fields.pipelineTag}`
        : `Pipeline ${fields.pipelineName} was not found`,
    });
  if (given.sourcePipeline && !(await lookups.findRef(tenantId, given.sourcePipeline)))
    problems.push({ path: 'source', message: `Pipeline ${given.sourcePipeline} was not found` });
  // A pipeline started by its own runs' end or events would start itself again, forever.
  if (fields.sourcePipeline === fields.pipelineName)
    problems.push({ path: given.sourcePipeline === undefined ? 'pipeline' : 'source', message: LOOP_MESSAGE });
  const mappingProblem = given.inputsExpression ? lookups.mappingProblem(given.inputsExpression) : undefined;
  if (mappingProblem) problems.push({ path: 'inputs', message: mappingProblem });
  if (given.broker && fields.broker && isBrokerType(type))
    problems.push(...(await brokerProblems(lookups, tenantId, type, fields.broker, given.broker)));
  return problems;
}

async function brokerProblems(
  lookups: TriggerLookups,
  tenantId: string,
  type: 'amqp' | 'nats',
  broker: BrokerConfig,
  given: BrokerConfig,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const secretProblem = await lookups.brokerProblem(tenantId, type, broker.connectionSecret);
  if (secretProblem) problems.push({ path: 'connectionSecret', message: secretProblem });
  // A JetStream durable consumer is shared by its name already; a queue group is core NATS's way.
  if (broker.stream && broker.queueGroup)
    problems.push({
      path: given.queueGroup ? 'queueGroup' : 'stream',
      message: 'Give a stream (JetStream) or a queue group (core NATS), not both',
    });
  return problems;
}
