import type { FieldProblem } from '../common/errors/baton-error.js';
import type { CreateTriggerBody, UpdateTriggerBody } from './dto/triggers.dto.js';
import type { TriggerFields, TriggerRow } from './triggers.repository.js';

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
};

export const LOOP_MESSAGE = 'A trigger cannot start the pipeline it listens to';

/** A new trigger's fields. */
export function fieldsOfCreate(body: CreateTriggerBody): TriggerFields {
  return {
    name: body.name ?? null,
    ...splitRef(body.pipeline),
    inputsExpression: body.type === 'pipeline' ? null : (body.inputs ?? null),
    sourcePipeline: body.type === 'webhook' ? null : (body.source ?? null),
    onStatus: body.type === 'pipeline' ? body.on : null,
    eventType: body.type === 'event' ? body.event : null,
    cooldownSeconds: body.type === 'event' ? (body.cooldown ?? null) : null,
  };
}

/** The fields a PATCH sets (left out: unchanged), and the problems of one naming fields the trigger's type does not have. */
export function changeOf(type: TriggerRow['type'], body: UpdateTriggerBody): { change: Partial<TriggerFields>; problems: FieldProblem[] } {
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
  };
  return { change: Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)), problems };
}

/** What the checks look up: the pipelines, and whether an expression compiles as a mapping. */
export interface TriggerLookups {
  findRef(tenantId: string, ref: string): Promise<unknown>;
  mappingProblem(expression: string): string | undefined;
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
  return problems;
}
