import type { ValidateFunction } from 'ajv/dist/2020.js';
import semver from 'semver';
import { MAX_REGEX_WORK } from '../../../../workers/contracts/expressions/index.js';
import type { PinnedStep } from '../../../../workers/contracts/pipeline.contract.js';
import { isChildRunStep } from '../../../../workers/contracts/run.contract.js';
import { ExpressionBudgetError, RegexBudget } from '../../../../workers/contracts/safe-regex.js';
import { compileSchema, pluginSchemas, schemaProblem, withRegexBudget } from '../json-schemas.js';
import { inputSchemaOf, stepPath, type CheckContext, type PluginCatalogView, type PluginVersionView } from './check-context.js';

/**
 * Every `uses` resolves to one plugin version the tenant may use (pinned into `context.pins`), the
 * literal values of `with` fit that step's input schema, and a child-run step sets no retry.
 */
export function checkSteps(context: CheckContext): void {
  resolvePins(context);
  checkStepInputs(context);
  checkChildRunSteps(context);
}

function resolvePins({ runnables, catalog, pins, report }: CheckContext): void {
  for (const [id, step] of Object.entries(runnables)) {
    if (step.uses === undefined) continue;
    const resolved = resolveUses(step.uses, catalog);
    if (typeof resolved === 'string') report(`${stepPath(id)}.uses`, resolved);
    else pins[id] = resolved;
  }
}

/** The pinned step, or why `uses` cannot be resolved. */
function resolveUses(uses: string, catalog: PluginCatalogView): PinnedStep | string {
  const [target, written] = uses.split('@', 2) as [string, string | undefined];
  const [plugin, step] = target.split('/', 2) as [string, string];
  const range = written === undefined || written === 'latest' ? undefined : written;
  if (range !== undefined && semver.validRange(range) === null) return `\`${range}\` is not a version, a semver range or \`latest\``;
  const available = catalog.versions(plugin).filter((v) => semver.valid(v.version) !== null);
  if (available.length === 0) return catalog.unavailableBecause?.(plugin) ?? `Plugin \`${plugin}\` is not available`;
  // Without a range, `*` picks the highest release and never a prerelease.
  const chosen = semver.maxSatisfying(
    available.map((v) => v.version),
    range ?? '*',
  );
  if (chosen === null) return `No version of \`${plugin}\` satisfies \`${range ?? 'latest'}\` (available: ${listVersions(available)})`;
  const version = available.find((v) => v.version === chosen)!;
  if (!Object.hasOwn(version.steps, step)) {
    return `\`${plugin}@${chosen}\` has no step \`${step}\` (it has: ${Object.keys(version.steps).join(', ') || 'none'})`;
  }
  return { plugin, step, version: chosen, digest: version.digest };
}

function listVersions(versions: PluginVersionView[]): string {
  const sorted = semver.rsort(versions.map((v) => v.version));
  return sorted.length > 10 ? `${sorted.slice(0, 10).join(', ')}, …` : sorted.join(', ');
}

/** Plugin versions are immutable, so their compiled input schemas can be kept (a bounded number of them). */
const stepInputValidators = new Map<string, ValidateFunction | string>();
const MAX_CACHED_VALIDATORS = 1000;

function stepInputValidator(pin: PinnedStep, schema: object): ValidateFunction | string {
  const key = `${pin.plugin}@${pin.version}/${pin.step}#${pin.digest}`;
  let validate = stepInputValidators.get(key);
  if (validate === undefined) {
    validate = compileSchema(pluginSchemas(), schema);
    if (stepInputValidators.size >= MAX_CACHED_VALIDATORS) stepInputValidators.delete(stepInputValidators.keys().next().value!);
    stepInputValidators.set(key, validate);
  }
  return validate;
}

/**
 * `with` against the step's input schema, for literal values only: expressions are checked at run
 * time. When the schemas' regexes run out of budget, the rest is not checked.
 */
function checkStepInputs(context: CheckContext): void {
  const { runnables, pins, catalog, report } = context;
  withRegexBudget(new RegexBudget(MAX_REGEX_WORK, "Checking the steps' inputs"), () => {
    for (const [id, pin] of Object.entries(pins)) {
      const schema = inputSchemaOf(pin, catalog);
      if (!schema) continue;
      const validate = stepInputValidator(pin, schema);
      if (typeof validate === 'string') {
        report(`${stepPath(id)}.uses`, `The input schema of \`${pin.plugin}/${pin.step}@${pin.version}\` is broken: ${validate}`);
        continue;
      }
      const input = runnables[id].with ?? {};
      try {
        if (validate(input)) continue;
      } catch (error) {
        if (!(error instanceof ExpressionBudgetError)) throw error;
        report(`${stepPath(id)}.with`, error.message);
        context.budgetExceeded = true;
        return;
      }
      for (const error of validate.errors ?? []) {
        const problem = schemaProblem(`${stepPath(id)}.with`, input, error, true);
        if (problem) report(problem.path, problem.message);
      }
    }
  });
}

/**
 * A child run is not retried as a whole, nor run on a worker pool: its own steps retry and say
 * where they run. Saying otherwise would be ignored.
 */
function checkChildRunSteps({ runnables, pins, report }: CheckContext): void {
  for (const [id, pin] of Object.entries(pins)) {
    if (!isChildRunStep(pin)) continue;
    if (runnables[id].retry)
      report(`${stepPath(id)}.retry`, 'A pipeline/run step does not retry the child run; give the steps of that pipeline a retry instead');
    if (runnables[id].runsOn)
      report(
        `${stepPath(id)}.runsOn`,
        'A pipeline/run step starts a run of another pipeline; give the steps of that pipeline a runsOn instead',
      );
  }
}
