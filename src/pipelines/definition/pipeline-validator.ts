import { topologicalOrder } from '../../../workers/contracts/graph.js';
import type { PinnedStep, PipelineDefinition } from '../../../workers/contracts/pipeline.contract.js';
import type { FieldProblem } from '../../common/errors/baton-error.js';
import { newCheckContext, type Check, type PluginCatalogView, type ValidateOptions } from './checks/check-context.js';
import { checkExpressionFields } from './checks/expression-fields.check.js';
import { checkExpressions } from './checks/expressions.check.js';
import { checkForEach } from './checks/for-each.check.js';
import { checkGraph } from './checks/graph.check.js';
import { checkInputs } from './checks/inputs.check.js';
import { checkName } from './checks/name.check.js';
import { checkExecution, checkPools } from './checks/pools.check.js';
import { checkRetryPolicies } from './checks/retry.check.js';
import { checkSchema, checkSize } from './checks/schema.check.js';
import { checkSecrets } from './checks/secrets.check.js';
import { checkSteps } from './checks/steps.check.js';

export type { PluginCatalogView, PluginVersionView, ProblemLocator, ValidateOptions } from './checks/check-context.js';
export { MAX_DEFINITION_BYTES } from './checks/schema.check.js';
export { pluginSchemaProblem, schemaRegexProblems } from './json-schemas.js';

/** `{ path: 'steps.publish.needs[1]', message }`, as the 422 response lists them. */
export type ValidationProblem = FieldProblem;

export type PipelineValidation =
  | { valid: true; definition: PipelineDefinition; pins: Record<string, PinnedStep>; order: string[] }
  /** `budgetExceeded`: checking the definition took more regex work than one validation may. */
  | { valid: false; problems: ValidationProblem[]; budgetExceeded?: true };

/**
 * In the order they report. Each runs on what passed the schema, so that a definition with
 * mistakes of many kinds gets all of them in one answer. The steps check pins the steps the
 * secrets and expression-field checks read.
 */
const CHECKS: Check[] = [
  checkName,
  checkInputs,
  checkRetryPolicies,
  checkPools,
  checkGraph,
  checkSteps,
  checkExecution,
  checkExpressionFields,
  checkSecrets,
  checkExpressions,
  checkForEach,
];

/**
 * Checks a raw definition (parsed JSON or YAML) against PIPELINES.md and the tenant's plugins,
 * reporting every problem with its path. On success, every `uses` is pinned to one exact version.
 */
export function validatePipeline(raw: unknown, catalog: PluginCatalogView, opts: ValidateOptions = {}): PipelineValidation {
  const sizeProblem = checkSize(raw);
  if (sizeProblem) return { valid: false, problems: [sizeProblem] };

  const schema = checkSchema(raw);
  const problems = [...schema.problems];
  if (!schema.definition) return { valid: false, problems: located(problems, opts) };
  const context = newCheckContext(schema.definition, catalog, opts, problems);
  for (const check of CHECKS) check(context);

  if (problems.length > 0)
    return { valid: false, problems: located(problems, opts), ...(context.budgetExceeded && { budgetExceeded: true as const }) };
  return { valid: true, definition: schema.definition, pins: context.pins, order: topologicalOrder(schema.definition.steps) };
}

/** The problems with the line and column of their paths, when the definition came as YAML. */
function located(problems: ValidationProblem[], { locate }: ValidateOptions): ValidationProblem[] {
  if (!locate) return problems;
  return problems.map((problem) => ({ ...problem, ...locate(problem.path, problem.position) }));
}
