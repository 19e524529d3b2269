import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { PipelineDefinition } from '../../workers/contracts/index.js';
import type { FieldProblem } from '../common/errors/baton-error.js';

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const compiled = new Map<string, ValidateFunction>();

function validatorFor(key: string, definition: PipelineDefinition): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ type: 'object', properties: definition.inputs ?? {}, required: definition.required ?? [], additionalProperties: false });
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

function toProblem(error: ErrorObject): FieldProblem {
  const path = error.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') path.push((error.params as { missingProperty: string }).missingProperty);
  if (error.keyword === 'additionalProperties') {
    return { path: ['inputs', ...path, (error.params as { additionalProperty: string }).additionalProperty].join('.'), message: 'Not an input of this pipeline' };
  }
  return { path: ['inputs', ...path].join('.'), message: error.message ?? 'Invalid' };
}

/** Checks a run's inputs against the pipeline's input schema and fills in defaults. */
export function checkRunInputs(cacheKey: string, definition: PipelineDefinition, inputs: Record<string, unknown>): { inputs: Record<string, unknown>; problems: FieldProblem[] } {
  const copy = structuredClone(inputs);
  const validate = validatorFor(cacheKey, definition);
  return validate(copy) ? { inputs: copy, problems: [] } : { inputs: copy, problems: (validate.errors ?? []).map(toProblem) };
}
