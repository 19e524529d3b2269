import { z } from 'zod';
import type { PipelineDefinition } from '../../../../workers/contracts/pipeline.contract.js';
import type { FieldProblem } from '../../../common/errors/baton-error.js';
import { zodIssueMessage } from '../../../common/validation/problem-messages.js';
import { formatPath } from '../../../common/validation/zod.js';
import { MAX_STEPS, OnFailureStepSchema, PipelineDefinitionSchema, StepDefinitionSchema } from '../pipeline-definition.schema.js';

export const ROOT_PATH = '(definition)';
export const MAX_DEFINITION_BYTES = 256 * 1024;

/** Oversized definitions are refused before any deeper (and costlier) check runs. */
export function checkSize(raw: unknown): FieldProblem | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(raw);
  } catch {
    return { path: ROOT_PATH, message: 'The definition is not plain JSON data' };
  }
  const bytes = Buffer.byteLength(json ?? '', 'utf8');
  return bytes > MAX_DEFINITION_BYTES
    ? { path: ROOT_PATH, message: `The definition is ${bytes} bytes; the limit is ${MAX_DEFINITION_BYTES}` }
    : null;
}

export interface SchemaCheck {
  problems: FieldProblem[];
  /**
   * The definition to run the other checks on: as parsed when it passed, otherwise the parts that
   * passed (each field, step and handler on its own), so that one answer reports every problem.
   * Absent when the body is not an object at all, or has more steps than a pipeline may.
   */
  definition?: PipelineDefinition;
}

/** The definition against PipelineDefinitionSchema (PIPELINES.md), every problem with its path. */
export function checkSchema(raw: unknown): SchemaCheck {
  const parsed = PipelineDefinitionSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { problems: [], definition: parsed.data };
  const problems = schemaProblems(parsed.error);
  // Like an oversized body, too many steps are not looked into further.
  const tooManySteps = isObject(raw) && isObject(raw.steps) && Object.keys(raw.steps).length > MAX_STEPS;
  return isObject(raw) && !tooManySteps ? { problems, definition: salvageDefinition(raw) } : { problems };
}

function schemaProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'Unknown field' }));
    const path = formatPath(issue.path) || ROOT_PATH;
    if (issue.code === 'invalid_key') return issue.issues.map((inner) => ({ path, message: zodIssueMessage(inner) }));
    if (issue.code === 'invalid_type' && issue.input === undefined) return [{ path, message: 'Required' }];
    return [{ path, message: zodIssueMessage(issue) }];
  });
}

function salvageDefinition(raw: Record<string, unknown>): PipelineDefinition {
  const definition = salvageObject(PipelineDefinitionSchema, raw, {
    // Every step keeps its id, so that needs and expressions naming it are not reported as unknown.
    steps: (steps) => (isObject(steps) ? mapValues(steps, (step) => salvageObject(StepDefinitionSchema, toObject(step))) : {}),
    // Every input keeps its name, for the same reason; one that is not a schema is checked as `{}`.
    inputs: (inputs) => (isObject(inputs) ? mapValues(inputs, (input) => toObject(input)) : undefined),
    onFailure: (handlers) =>
      Array.isArray(handlers) ? handlers.map((handler) => salvageObject(OnFailureStepSchema, toObject(handler))) : undefined,
    // `required: [a, a]` still names the inputs a run must give.
    required: (names) => (Array.isArray(names) ? [...new Set(names.filter((n) => typeof n === 'string'))] : undefined),
  });
  return { ...definition, steps: definition.steps ?? {} } as PipelineDefinition;
}

type Salvage = (value: unknown) => unknown;

/** Each field of `raw` that passes its own schema; nested objects field by field in turn. */
function salvageObject(schema: z.ZodObject, raw: Record<string, unknown>, special: Record<string, Salvage> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const value = raw[key];
    let salvaged: unknown;
    if (special[key]) salvaged = value === undefined ? undefined : special[key](value);
    else {
      const parsed = field.safeParse(value);
      const inner = unwrap(field);
      if (parsed.success) salvaged = parsed.data;
      else if (inner instanceof z.ZodObject && isObject(value)) salvaged = salvageObject(inner, value);
      // `needs: [a, a]` still says what the step waits for (and where each need is written).
      else if (key === 'needs' && Array.isArray(value) && value.every((need) => typeof need === 'string')) salvaged = value;
    }
    if (salvaged !== undefined) out[key] = salvaged;
  }
  return out;
}

function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional || schema instanceof z.ZodDefault ? unwrap(schema.unwrap() as z.ZodType) : schema;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const toObject = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {});
const mapValues = (record: Record<string, unknown>, map: (value: unknown) => unknown) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
