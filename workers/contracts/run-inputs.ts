import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { MAX_REGEX_WORK } from './expressions/budget.js';
import type { PipelineDefinition } from './pipeline.contract.js';
import { ajvRegExp, ExpressionBudgetError, RegexBudget } from './safe-regex.js';
import { schemaErrorMessage, schemaErrorPath } from './schema-messages.js';

/** One thing wrong with a run's inputs, at a path such as `inputs.day`. */
export interface InputProblem {
  path: string;
  message: string;
}

/**
 * Checked by the control plane when a run starts and by the worker when a `pipeline/run` step
 * starts a child run. Not for workflow code: ajv compiles validators with `new Function`.
 *
 * `pattern` and `patternProperties` run on RE2 (the pipeline validator refused, at save, any RE2
 * cannot run), each check charged to a budget: no crafted pattern or input can hold the API.
 */
let regexBudget: RegexBudget | undefined;

// validateSchema: false, since the meta-schemas use `pattern` themselves; the pipeline validator
// already checked these schemas against them, strictly, when the version was saved.
const ajv = new Ajv2020({
  allErrors: true,
  useDefaults: true,
  strict: false,
  validateSchema: false,
  code: { regExp: ajvRegExp(() => regexBudget) },
});
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
/** Validators by pipeline version; versions are immutable, so a validator never goes stale. */
const compiled = new Map<string, ValidateFunction | string>();
const MAX_CACHED_VALIDATORS = 1000;

/** The validate function, or why this version's input schema cannot be used. */
function validatorFor(key: string, definition: PipelineDefinition): ValidateFunction | string {
  let validate = compiled.get(key);
  if (!validate) {
    const schema = {
      type: 'object',
      properties: definition.inputs ?? {},
      required: definition.required ?? [],
      additionalProperties: false,
    };
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      validate = (error as Error).message;
    } finally {
      // ajv keeps every schema it compiles for the life of the instance, and the validate function
      // does not need it: forgetting it at once leaves this bounded cache as all that is kept.
      ajv.removeSchema(schema);
    }
    if (compiled.size >= MAX_CACHED_VALIDATORS) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, validate);
  }
  return validate;
}

function toProblem(error: ErrorObject): InputProblem {
  const path = ['inputs', ...schemaErrorPath(error)].join('.');
  if (error.keyword === 'additionalProperties') return { path, message: 'Not an input of this pipeline' };
  return { path, message: schemaErrorMessage(error) };
}

/** Checks a run's inputs against the pipeline's input schema and fills in defaults. */
export function checkRunInputs(
  cacheKey: string,
  definition: PipelineDefinition,
  inputs: Record<string, unknown>,
): { inputs: Record<string, unknown>; problems: InputProblem[] } {
  const copy = structuredClone(inputs);
  const validate = validatorFor(cacheKey, definition);
  if (typeof validate === 'string')
    return { inputs: copy, problems: [{ path: 'inputs', message: `This pipeline version cannot check run inputs: ${validate}` }] };
  regexBudget = new RegexBudget(MAX_REGEX_WORK, "Checking the run's inputs");
  try {
    return validate(copy) ? { inputs: copy, problems: [] } : { inputs: copy, problems: (validate.errors ?? []).map(toProblem) };
  } catch (error) {
    if (!(error instanceof ExpressionBudgetError)) throw error;
    return { inputs: copy, problems: [{ path: 'inputs', message: error.message }] };
  } finally {
    regexBudget = undefined;
  }
}
