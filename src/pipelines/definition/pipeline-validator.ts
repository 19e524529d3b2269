import { Ajv2020, type ErrorObject, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import semver from 'semver';
import type { z } from 'zod';
import { parseDuration } from '../../../workers/contracts/duration.js';
import {
  containsExpression,
  inspectTemplate,
  MAX_REGEX_WORK,
  type ExpressionReference,
  type TemplateInspection,
} from '../../../workers/contracts/expressions/index.js';
import { ajvRegExp, ExpressionBudgetError, RegexBudget, regexProblem } from '../../../workers/contracts/safe-regex.js';
import { findCycle, topologicalOrder, upstreamOf } from '../../../workers/contracts/graph.js';
import { isChildRunStep } from '../../../workers/contracts/run.contract.js';
import {
  DEFAULT_RETRY,
  failureHandlerId,
  type PinnedStep,
  type PipelineDefinition,
  type RetryPolicyDefinition,
  type PipelineStep,
} from '../../../workers/contracts/pipeline.contract.js';
import type { FieldProblem } from '../../common/errors/baton-error.js';
import { formatPath } from '../../common/validation/zod.js';
import { PipelineDefinitionSchema } from './pipeline-definition.schema.js';
import { checkSecretPlacements } from './secret-placement-check.js';

export const MAX_DEFINITION_BYTES = 256 * 1024;
const ROOT_PATH = '(definition)';

/** What the validator needs to know about the plugins a tenant may use (enabled versions only). */
export interface PluginCatalogView {
  versions(plugin: string): PluginVersionView[];
  /** Why a known plugin has no usable version for this tenant (not enabled, not approved, yanked). */
  unavailableBecause?(plugin: string): string | undefined;
  /** Whether the tenant approved `plugin` to receive secret `name` in its secret fields; all when left out. */
  secretApproved?(plugin: string, name: string): boolean;
}

export interface PluginVersionView {
  version: string;
  digest: string;
  steps: Record<string, { inputSchema: object; outputSchema?: object }>;
}

/** `{ path: 'steps.publish.needs[1]', message }`, as the 422 response lists them. */
export type ValidationProblem = FieldProblem;

export type PipelineValidation =
  | { valid: true; definition: PipelineDefinition; pins: Record<string, PinnedStep>; order: string[] }
  /** `budgetExceeded`: checking the definition took more regex work than one validation may. */
  | { valid: false; problems: ValidationProblem[]; budgetExceeded?: true };

type Report = (path: string, message: string) => void;

/**
 * Checks a raw definition (parsed JSON or YAML) against PIPELINES.md and the tenant's plugins,
 * reporting every problem with its path. On success, every `uses` is pinned to one exact version.
 */
export interface ValidateOptions {
  /** The URL's `{name}`; the definition must carry the same. */
  expectedName?: string;
  /** Whether this installation can resolve `${{ secrets.NAME }}` when a step runs. */
  secretsAvailable?: boolean;
}

export function validatePipeline(raw: unknown, catalog: PluginCatalogView, opts: ValidateOptions = {}): PipelineValidation {
  // Oversized definitions are rejected before any deeper (and costlier) check runs.
  const sizeProblem = checkSize(raw);
  if (sizeProblem) return { valid: false, problems: [sizeProblem] };

  const parsed = PipelineDefinitionSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { valid: false, problems: schemaProblems(parsed.error) };
  const definition: PipelineDefinition = parsed.data;

  const problems: ValidationProblem[] = [];
  const report: Report = (path, message) => {
    if (!problems.some((p) => p.path === path && p.message === message)) problems.push({ path, message });
  };
  if (opts.expectedName !== undefined && definition.name !== opts.expectedName) {
    report('name', `The definition is named \`${definition.name}\` but is being saved as \`${opts.expectedName}\``);
  }
  checkInputs(definition, report);
  checkRetryPolicies(definition, report);
  checkNeeds(definition.steps, report);
  // onFailure handlers are checked and pinned like steps, under ids no step can have.
  const handlers = Object.fromEntries((definition.onFailure ?? []).map((handler, i) => [failureHandlerId(i), handler as PipelineStep]));
  const pins = resolvePins({ ...definition.steps, ...handlers }, catalog, report);
  const budgetExceeded = checkStepInputs({ ...definition.steps, ...handlers }, pins, catalog, report);
  checkChildRunSteps({ ...definition.steps, ...handlers }, pins, report);
  if (opts.secretsAvailable) {
    const placement = {
      stepPath,
      inputSchemaOf: (pin: PinnedStep) => inputSchemaOf(pin, catalog),
      secretApproved: catalog.secretApproved?.bind(catalog),
    };
    checkSecretPlacements({ ...definition.steps, ...handlers }, pins, placement, report);
  }
  checkExpressions(definition, report, opts.secretsAvailable ?? false);

  if (problems.length > 0) return { valid: false, problems, ...(budgetExceeded && { budgetExceeded }) };
  return { valid: true, definition, pins, order: topologicalOrder(definition.steps) };
}

function checkSize(raw: unknown): ValidationProblem | null {
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

function schemaProblems(error: z.ZodError): ValidationProblem[] {
  return error.issues.flatMap((issue): ValidationProblem[] => {
    const path = formatPath(issue.path) || ROOT_PATH;
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'Unknown field' }));
    if (issue.code === 'invalid_key') return issue.issues.map((inner) => ({ path, message: inner.message }));
    if (issue.code === 'invalid_type' && issue.input === undefined) return [{ path, message: 'Required' }];
    return [{ path, message: issue.message }];
  });
}

// ---------------------------------------------------------------------------------------------
// Inputs

function checkInputs(definition: PipelineDefinition, report: Report): void {
  const inputs = definition.inputs ?? {};
  for (const [name, schema] of Object.entries(inputs)) {
    const regexProblems = schemaRegexProblems(schema, ['inputs', name]);
    for (const problem of regexProblems) report(problem.path, problem.message);
    if (regexProblems.length) continue;
    const compiled = compileSchema(userSchemas(), schema);
    if (typeof compiled === 'string') report(`inputs.${name}`, `Not a valid JSON Schema: ${compiled}`);
  }
  (definition.required ?? []).forEach((name, index) => {
    if (!Object.hasOwn(inputs, name)) report(`required[${index}]`, `\`${name}\` is not declared in inputs`);
  });
}

/**
 * Every `pattern` and `patternProperties` regex in a schema that RE2 cannot run (ajv runs them with
 * RE2, see newAjv), at its path: `inputs.code.pattern`, `inputs.tags.patternProperties.^x-`.
 */
export function schemaRegexProblems(schema: unknown, path: PropertyKey[]): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  forEachRegexKeyword(schema, path, (keyword, at, value) => {
    const patterns = keyword === 'pattern' ? [[at, value]] : Object.keys(value as object).map((key) => [[...at, key], key]);
    for (const [where, pattern] of patterns as Array<[PropertyKey[], unknown]>) {
      const problem = typeof pattern === 'string' ? regexProblem(pattern, 'u') : undefined;
      if (problem) problems.push({ path: formatPath(where), message: problem });
    }
  });
  return problems;
}

type RegexKeyword = 'pattern' | 'patternProperties';

/** Keywords whose value is a schema, or an array of schemas (draft 2020-12 and draft-07, which ajv also reads). */
const SUBSCHEMA_KEYWORDS = new Set([
  'not',
  'if',
  'then',
  'else',
  'items',
  'prefixItems',
  'additionalItems',
  'contains',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'propertyNames',
  'contentSchema',
  'allOf',
  'anyOf',
  'oneOf',
]);
/** Keywords whose value maps names to schemas. */
const SUBSCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas', 'dependencies', '$defs', 'definitions']);

/**
 * Calls `found` for every `pattern` and `patternProperties` keyword in a schema and its subschemas.
 * Walks schema positions only, so a property named `pattern`, or an `enum` or `default` value
 * holding one, is not mistaken for the keyword.
 */
function forEachRegexKeyword(
  schema: unknown,
  path: PropertyKey[],
  found: (keyword: RegexKeyword, path: PropertyKey[], value: unknown) => void,
): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'pattern' || (keyword === 'patternProperties' && value !== null && typeof value === 'object'))
      found(keyword, [...path, keyword], value);
    if (SUBSCHEMA_KEYWORDS.has(keyword)) {
      if (Array.isArray(value)) value.forEach((item, index) => forEachRegexKeyword(item, [...path, keyword, index], found));
      else forEachRegexKeyword(value, [...path, keyword], found);
    } else if (SUBSCHEMA_MAP_KEYWORDS.has(keyword) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, subschema] of Object.entries(value)) forEachRegexKeyword(subschema, [...path, keyword, name], found);
    }
  }
}

/** The budget of the validation under way: ajv calls the regex engine synchronously, inside it. */
let regexBudget: RegexBudget | undefined;
const schemaRegExp = ajvRegExp(() => regexBudget);

// Strict about keywords in schemas users write (a misspelt keyword is a mistake), lenient for plugin schemas.
const userSchemas = once(() => newAjv({ strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false }));
const pluginSchemas = once(() => newAjv({ strict: false }));

function newAjv(strictness: Pick<Options, 'strict' | 'strictSchema' | 'strictTypes' | 'strictTuples' | 'strictRequired'>): Ajv2020 {
  // `pattern` and `patternProperties` run on RE2, never on the backtracking RegExp engine.
  const ajv = new Ajv2020({ allErrors: true, logger: false, code: { regExp: schemaRegExp }, ...strictness });
  addFormats.default(ajv);
  return ajv;
}

function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

/** Why a plugin step's JSON Schema does not compile, if it does not: checked when a version is published (schemaRegexProblems first). */
export function pluginSchemaProblem(schema: object): string | undefined {
  const compiled = compileSchema(pluginSchemas(), schema);
  return typeof compiled === 'string' ? compiled : undefined;
}

/** The validate function, or why the schema does not compile. */
function compileSchema(ajv: Ajv2020, schema: object): ValidateFunction | string {
  try {
    return ajv.compile(schema);
  } catch (error) {
    return (error as Error).message;
  } finally {
    // ajv keeps every schema it compiles; forget it so that a long-lived instance does not grow.
    ajv.removeSchema(schema);
  }
}

// ---------------------------------------------------------------------------------------------
// Retry policies

/** What the workflow uses for any field a step and `defaults.retry` leave out (run-pipeline.workflow.ts merges the same way). */

const BUILT_IN = 'the built-in default';

/**
 * Temporal refuses to schedule an activity whose initial retry interval exceeds its maximum
 * interval, and the run would hang; the policy a step gets is its own `retry` over
 * `defaults.retry` over DEFAULT_RETRY, field by field.
 */
function checkRetryPolicies(definition: PipelineDefinition, report: Report): void {
  const defaults = definition.defaults?.retry;
  if (defaults) {
    const problem = retryIntervalProblem(
      mergeRetry(DEFAULT_RETRY, defaults),
      { initialInterval: BUILT_IN, maxInterval: BUILT_IN },
      defaults,
    );
    if (problem) report('defaults.retry', problem);
  }
  for (const [id, step] of Object.entries(definition.steps)) {
    // A step that sets neither interval has the policy of `defaults.retry`, reported above.
    if (!step.retry || (step.retry.initialInterval === undefined && step.retry.maxInterval === undefined)) continue;
    const base = mergeRetry(DEFAULT_RETRY, defaults ?? {});
    const source = (field: 'initialInterval' | 'maxInterval') =>
      step.retry![field] !== undefined ? `steps.${id}.retry` : defaults?.[field] !== undefined ? 'defaults.retry' : BUILT_IN;
    const problem = retryIntervalProblem(
      mergeRetry(base, step.retry),
      { initialInterval: source('initialInterval'), maxInterval: source('maxInterval') },
      step.retry,
    );
    if (problem) report(`steps.${id}.retry`, problem);
  }
}

function mergeRetry(base: Required<RetryPolicyDefinition>, override: RetryPolicyDefinition): Required<RetryPolicyDefinition> {
  const defined = Object.entries(override).filter(([, value]) => value !== undefined);
  return { ...base, ...Object.fromEntries(defined) };
}

function retryIntervalProblem(
  policy: Required<RetryPolicyDefinition>,
  sources: Record<'initialInterval' | 'maxInterval', string>,
  written: RetryPolicyDefinition,
): string | null {
  const initial = parseDuration(policy.initialInterval);
  const max = parseDuration(policy.maxInterval);
  if (initial === null || max === null || initial <= max) return null;
  const from = (field: 'initialInterval' | 'maxInterval') => (written[field] !== undefined ? '' : ` (from ${sources[field]})`);
  return (
    `initialInterval ${policy.initialInterval}${from('initialInterval')} is longer than maxInterval ${policy.maxInterval}${from('maxInterval')}: ` +
    'Temporal cannot schedule a step with this retry policy. Raise maxInterval or lower initialInterval'
  );
}

// ---------------------------------------------------------------------------------------------
// Graph

/** Reports unknown, self and cyclic needs. */
function checkNeeds(steps: Record<string, PipelineStep>, report: Report): void {
  const knownNeeds: Record<string, { needs: string[] }> = {};
  for (const [id, step] of Object.entries(steps)) {
    knownNeeds[id] = { needs: [] };
    (step.needs ?? []).forEach((need, index) => {
      if (need === id) report(`steps.${id}.needs[${index}]`, 'A step cannot need itself');
      else if (!Object.hasOwn(steps, need)) report(`steps.${id}.needs[${index}]`, `Unknown step \`${need}\``);
      else knownNeeds[id].needs.push(need);
    });
  }
  const cycle = findCycle(knownNeeds);
  if (cycle) report(`steps.${cycle[0]}.needs`, `Steps form a cycle: ${[...cycle, cycle[0]].join(' → ')}`);
}

// ---------------------------------------------------------------------------------------------
// Plugins

interface UsesReference {
  plugin: string;
  step: string;
  /** Undefined for `latest` (or no `@`). */
  range?: string;
}

function parseUses(uses: string): UsesReference {
  const [target, range] = uses.split('@', 2) as [string, string | undefined];
  const [plugin, step] = target.split('/', 2) as [string, string];
  return { plugin, step, range: range === undefined || range === 'latest' ? undefined : range };
}

/** Where a step (or an `onFailure[i]` handler) sits in the definition. */
const stepPath = (id: string) => (id.startsWith('onFailure[') ? id : `steps.${id}`);

function resolvePins(steps: Record<string, PipelineStep>, catalog: PluginCatalogView, report: Report): Record<string, PinnedStep> {
  const pins: Record<string, PinnedStep> = {};
  for (const [id, step] of Object.entries(steps)) {
    if (step.uses === undefined) continue;
    const resolved = resolveUses(step.uses, catalog);
    if (typeof resolved === 'string') report(`${stepPath(id)}.uses`, resolved);
    else pins[id] = resolved;
  }
  return pins;
}

/** The pinned step, or why `uses` cannot be resolved. */
function resolveUses(uses: string, catalog: PluginCatalogView): PinnedStep | string {
  const { plugin, step, range } = parseUses(uses);
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

function inputSchemaOf(pin: PinnedStep, catalog: PluginCatalogView): object | undefined {
  return catalog.versions(pin.plugin).find((v) => v.version === pin.version)?.steps[pin.step]?.inputSchema;
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

/** A child run is not retried as a whole: its own steps retry. Saying otherwise would be ignored. */
function checkChildRunSteps(steps: Record<string, PipelineStep>, pins: Record<string, PinnedStep>, report: Report): void {
  for (const [id, pin] of Object.entries(pins)) {
    if (isChildRunStep(pin) && steps[id].retry)
      report(`${stepPath(id)}.retry`, 'A pipeline/run step does not retry the child run; give the steps of that pipeline a retry instead');
  }
}

/**
 * `with` against the step's input schema, for literal values only: expressions are checked at run
 * time. Returns true when the schemas' regexes ran out of budget (the rest is then not checked).
 */
function checkStepInputs(
  steps: Record<string, PipelineStep>,
  pins: Record<string, PinnedStep>,
  catalog: PluginCatalogView,
  report: Report,
): boolean {
  regexBudget = new RegexBudget(MAX_REGEX_WORK, "Checking the steps' inputs");
  try {
    for (const [id, pin] of Object.entries(pins)) {
      const schema = inputSchemaOf(pin, catalog);
      if (!schema) continue;
      const validate = stepInputValidator(pin, schema);
      if (typeof validate === 'string') {
        report(`${stepPath(id)}.uses`, `The input schema of \`${pin.plugin}/${pin.step}@${pin.version}\` is broken: ${validate}`);
        continue;
      }
      const input = steps[id].with ?? {};
      try {
        if (validate(input)) continue;
      } catch (error) {
        if (!(error instanceof ExpressionBudgetError)) throw error;
        report(`${stepPath(id)}.with`, error.message);
        return true;
      }
      for (const error of validate.errors ?? []) {
        const problem = withProblem(`${stepPath(id)}.with`, input, error);
        if (problem) report(problem.path, problem.message);
      }
    }
    return false;
  } finally {
    regexBudget = undefined;
  }
}

/** One ajv error as a problem, or null when it concerns a value an expression will produce. */
function withProblem(base: string, input: unknown, error: ErrorObject): ValidationProblem | null {
  const { path, value } = resolvePointer(base, input, error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return { path: `${path}.${String(params.missingProperty)}`, message: 'Required' };
  const extra = params.additionalProperty ?? params.unevaluatedProperty;
  if (extra !== undefined) return { path: `${path}.${extra as string}`, message: 'Unknown field' };
  if (containsExpression(value)) return null;
  return { path, message: capitalize(error.message ?? 'Invalid value') };
}

/** Follows a JSON Pointer into `root`, building a `a.b[1]` style path as it goes. */
function resolvePointer(base: string, root: unknown, pointer: string): { path: string; value: unknown } {
  let path = base;
  let value = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += Array.isArray(value) ? `[${segment}]` : `.${segment}`;
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return { path, value };
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// ---------------------------------------------------------------------------------------------
// Expressions

type ExpressionSite = 'with' | 'if' | 'outputs' | 'onFailure' | 'forEach';

function checkExpressions(definition: PipelineDefinition, report: Report, secretsAvailable: boolean): void {
  const inputNames = new Set(Object.keys(definition.inputs ?? {}));
  for (const [id, step] of Object.entries(definition.steps)) {
    const rules = new ReferenceRules(definition.steps, inputNames, secretsAvailable, id);
    forEachExpressionString(step.with ?? {}, `steps.${id}.with`, (text, path) => checkTemplate(text, path, 'with', rules, report));
    if (typeof step.if === 'string') checkCondition(step.if, `steps.${id}.if`, rules, report);
    if (typeof step.forEach === 'string')
      checkWhole(step.forEach, `steps.${id}.forEach`, 'forEach', 'Must be a list or a single ${{ expression }} giving one', rules, report);
    else if (Array.isArray(step.forEach))
      forEachExpressionString(step.forEach, `steps.${id}.forEach`, (text, path) => checkTemplate(text, path, 'forEach', rules, report));
  }
  const rules = new ReferenceRules(definition.steps, inputNames, secretsAvailable);
  forEachExpressionString(definition.outputs ?? {}, 'outputs', (text, path) => checkTemplate(text, path, 'outputs', rules, report));
  (definition.onFailure ?? []).forEach((handler, i) =>
    forEachExpressionString(handler.with ?? {}, `onFailure[${i}].with`, (text, path) =>
      checkTemplate(text, path, 'onFailure', rules, report),
    ),
  );
}

function checkCondition(text: string, path: string, rules: ReferenceRules, report: Report): void {
  checkWhole(text, path, 'if', 'Must be true, false or a single ${{ expression }}', rules, report);
}

function checkWhole(text: string, path: string, site: ExpressionSite, notWhole: string, rules: ReferenceRules, report: Report): void {
  const { template } = checkTemplate(text, path, site, rules, report);
  if (template && template.kind !== 'whole') report(path, notWhole);
}

function checkTemplate(text: string, path: string, site: ExpressionSite, rules: ReferenceRules, report: Report): TemplateInspection {
  const inspection = inspectTemplate(text);
  for (const problem of inspection.problems) report(path, problem);
  for (const expression of inspection.expressions) {
    for (const reference of expression.references) {
      const problem = rules.check(reference, site);
      if (problem) report(path, problem);
    }
  }
  return inspection;
}

/** Which context names an expression at a given place may read. */
class ReferenceRules {
  private upstream?: Set<string>;
  private readonly fansOut: boolean;

  constructor(
    private readonly steps: Record<string, PipelineStep>,
    private readonly inputNames: Set<string>,
    private readonly secretsAvailable: boolean,
    private readonly stepId?: string,
  ) {
    this.fansOut = stepId !== undefined && steps[stepId].forEach !== undefined;
  }

  check({ root, path }: ExpressionReference, site: ExpressionSite): string | null {
    const [name] = path;
    switch (root) {
      case 'inputs':
        return name === undefined || this.inputNames.has(name) ? null : `Unknown input \`${name}\``;
      case 'steps':
        return name === undefined ? null : this.checkStep(name);
      case 'item':
        return site === 'with' && this.fansOut ? null : '`item` exists only in the `with` of a step with `forEach`';
      case 'secrets':
        if (!this.secretsAvailable)
          return 'Secrets are not available on this installation yet: there is no secrets store to resolve them from';
        return site === 'with' || site === 'onFailure' ? null : "Secrets can only be passed to a step's `with`";
      case 'run':
        return name === 'error' && site !== 'onFailure' ? '`run.error` is only set for onFailure handlers' : null;
    }
  }

  private checkStep(name: string): string | null {
    if (!Object.hasOwn(this.steps, name)) return `Unknown step \`${name}\``;
    if (this.stepId === undefined) return null;
    if (name === this.stepId) return 'A step cannot read its own outputs or status';
    this.upstream ??= upstreamOf(this.steps, this.stepId);
    if (this.upstream.has(name)) return null;
    return `\`${name}\` is not upstream of \`${this.stepId}\`: add it to needs (directly or through a step it needs) so that it has finished`;
  }
}

/** Calls `visit` with every string holding `${{` inside a JSON value, and its path. */
function forEachExpressionString(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') {
    if (containsExpression(value)) visit(value, path);
  } else if (Array.isArray(value)) value.forEach((item, index) => forEachExpressionString(item, `${path}[${index}]`, visit));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) forEachExpressionString(item, `${path}.${key}`, visit);
  }
}
