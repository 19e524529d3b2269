/**
 * `${{ … }}` expressions in pipeline definitions, evaluated with JSONata.
 *
 * Imported by the control plane (validation) and by the workflow bundle (evaluation), so it
 * must stay deterministic: no Node APIs, no clocks, no randomness of its own.
 */
import jsonata from 'jsonata';
import { compileBounded, EvaluationBudget, evaluateWithBudget, ExpressionBudgetError } from './expression-budget.js';

export {
  DATE_PICTURE_REFUSED,
  EvaluationBudget,
  EXPRESSION_BUDGET_EXCEEDED,
  ExpressionBudgetError,
  MAX_EVALUATION_STEPS,
  MAX_REGEX_WORK,
  MAX_STRING_LENGTH,
} from './expression-budget.js';

export const MAX_EXPRESSION_LENGTH = 4096;
const COMPILE_CACHE_SIZE = 1000;

const OPEN = '${{';
const CLOSE = '}}';
const ROOTS = ['inputs', 'steps', 'item', 'run', 'secrets'] as const;
export type ReferenceRoot = (typeof ROOTS)[number];
const STEP_FIELDS = ['outputs', 'status'];
/** `run.error` exists only for onFailure handlers; the validator checks where it is read. */
const RUN_FIELDS = ['id', 'pipeline', 'version', 'error'];

export class ExpressionError extends Error {
  override name = 'ExpressionError';
  /** `expression_budget_exceeded` when the evaluation ran out of budget; the workflow records it as the failure's code. */
  constructor(
    message: string,
    readonly code: 'expression_error' | 'expression_budget_exceeded' = 'expression_error',
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Templates: strings that may contain `${{ … }}`

export type TemplateSegment = { kind: 'text'; text: string } | { kind: 'expression'; source: string };

export type Template =
  | { kind: 'literal'; text: string }
  /** The whole string (surrounding whitespace aside) is one expression: its value keeps its JSON type. */
  | { kind: 'whole'; source: string }
  | { kind: 'interpolated'; segments: TemplateSegment[] };

/** Splits `text` into literal text and expression sources (trimmed). Throws on an unclosed `${{`. */
export function parseTemplate(text: string): Template {
  const segments: TemplateSegment[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf(OPEN, cursor);
    if (open < 0) break;
    const close = findExpressionEnd(text, open + OPEN.length);
    if (close < 0) throw new ExpressionError(`\`${OPEN}\` at character ${open + 1} is not closed by \`${CLOSE}\``);
    if (open > cursor) segments.push({ kind: 'text', text: text.slice(cursor, open) });
    segments.push({ kind: 'expression', source: text.slice(open + OPEN.length, close).trim() });
    cursor = close + CLOSE.length;
  }
  if (segments.length === 0) return { kind: 'literal', text };
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  const expressions = segments.filter((s) => s.kind === 'expression');
  const onlyWhitespaceAround = segments.every((s) => s.kind === 'expression' || s.text.trim() === '');
  if (expressions.length === 1 && onlyWhitespaceAround) return { kind: 'whole', source: expressions[0].source };
  return { kind: 'interpolated', segments };
}

export function containsExpression(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(OPEN);
  if (Array.isArray(value)) return value.some(containsExpression);
  if (isPlainObject(value)) return Object.values(value).some(containsExpression);
  return false;
}

/**
 * Index of the `}}` closing an expression that starts at `from`, or -1. Braces of JSONata object
 * constructors, string literals, backtick names and comments may all contain `}}`.
 */
function findExpressionEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const char = text[i];
    if (char === '"' || char === "'" || char === '`') {
      i = skipQuoted(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
      continue;
    }
    if (char === '{') depth++;
    else if (char === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return -1;
}

/** Index just past the quoted run starting at `start`, or -1 when it is not terminated. */
function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i + 1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Compilation

export interface ExpressionReference {
  root: ReferenceRoot;
  /** The literal name segments after the root: `steps.a.outputs.x` → `['a', 'outputs', 'x']`. */
  path: string[];
}

export interface CompiledExpression {
  source: string;
  expression: jsonata.Expression;
  references: ExpressionReference[];
  /** Reasons the expression can never be valid in a pipeline, e.g. an unknown root name. */
  problems: string[];
  /** Set when the expression is exactly `secrets.NAME`: the only form a secret may take. */
  secret?: string;
}

export type CompileResult = { ok: true; compiled: CompiledExpression } | { ok: false; error: string; position?: number };

const compileCache = new Map<string, CompileResult>();

/** Compiles (and caches) one expression source; syntax errors are returned, not thrown. */
export function compileExpression(source: string): CompileResult {
  const cached = compileCache.get(source);
  if (cached) return cached;
  const result = compileUncached(source);
  if (compileCache.size >= COMPILE_CACHE_SIZE) compileCache.delete(compileCache.keys().next().value!);
  compileCache.set(source, result);
  return result;
}

function compileUncached(source: string): CompileResult {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: `Expression is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}` };
  }
  if (source.trim() === '') return { ok: false, error: 'Expression is empty' };
  const rewritten = quoteHyphenatedStepIds(source);
  let expression: jsonata.Expression;
  try {
    expression = compileBounded(rewritten.text);
  } catch (error) {
    const { message, position } = describeJsonataError(error);
    const original = position === undefined ? undefined : rewritten.toOriginalPosition(position);
    if (error instanceof ExpressionBudgetError) {
      const where = original === undefined ? `in \`${source}\`` : `at character ${original} of \`${source}\``;
      return { ok: false, error: `${message} (${where})`, ...(original !== undefined && { position: original }) };
    }
    if (original === undefined) return { ok: false, error: `Syntax error: ${message}` };
    return { ok: false, error: `Syntax error at character ${original} of \`${source}\`: ${message}`, position: original };
  }
  const { references, problems } = collectReferences(expression);
  return { ok: true, compiled: { source, expression, references, problems, secret: secretName(expression.ast() as AstNode) } };
}

/** Compiles or throws an ExpressionError carrying the syntax error. */
function compileOrThrow(source: string): CompiledExpression {
  const result = compileExpression(source);
  if (!result.ok) throw new ExpressionError(result.error);
  return result.compiled;
}

const STEPS_PREFIX = 'steps.';

/**
 * Step ids may contain hyphens, which JSONata reads as minus: `steps.per-region.outputs` becomes
 * ``steps.`per-region`.outputs``. Only the segment right after a root-level `steps.` is touched.
 */
export function quoteHyphenatedStepIds(source: string): { text: string; toOriginalPosition(position: number): number } {
  let text = '';
  const insertedAt: number[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    if (char === '"' || char === "'" || char === '`') {
      const end = skipQuoted(source, i);
      const stop = end < 0 ? source.length : end;
      text += source.slice(i, stop);
      i = stop;
      continue;
    }
    const id =
      source.startsWith(STEPS_PREFIX, i) && !isPathContinuation(source[i - 1]) ? hyphenatedIdAt(source, i + STEPS_PREFIX.length) : null;
    if (id) {
      text += STEPS_PREFIX;
      insertedAt.push(text.length);
      text += '`' + id + '`';
      insertedAt.push(text.length - 1);
      i += STEPS_PREFIX.length + id.length;
      continue;
    }
    text += char;
    i++;
  }
  return { text, toOriginalPosition: (position) => position - insertedAt.filter((at) => at < position).length };
}

function isPathContinuation(previous: string | undefined): boolean {
  return previous !== undefined && /[\w$.`]/.test(previous);
}

function hyphenatedIdAt(source: string, start: number): string | null {
  const id = /^[a-z][a-z0-9_-]*/.exec(source.slice(start, start + 64))?.[0];
  return id && id.includes('-') ? id : null;
}

function describeJsonataError(error: unknown): { message: string; position?: number } {
  if (error && typeof error === 'object') {
    const { message, position } = error as { message?: unknown; position?: unknown };
    return {
      message: typeof message === 'string' ? message : JSON.stringify(error),
      position: typeof position === 'number' ? position : undefined,
    };
  }
  return { message: String(error) };
}

// ---------------------------------------------------------------------------------------------
// References

type AstNode = jsonata.ExprNode & Record<string, unknown>;

/**
 * The context roots an expression reads (`inputs.x`, `steps.a.outputs`, `run.id`, …), found by
 * walking the AST. Names inside filters, sorts, groups and later path steps are relative to the
 * current item, not to the context, so they are not references.
 */
export function collectReferences(expression: jsonata.Expression): { references: ExpressionReference[]; problems: string[] } {
  const references: ExpressionReference[] = [];
  const problems: string[] = [];
  walk(
    expression.ast() as AstNode,
    true,
    (reference) => references.push(reference),
    (problem) => problems.push(problem),
  );
  for (const reference of references) problems.push(...referenceShapeProblems(reference));
  return { references, problems: [...new Set(problems)] };
}

function walk(node: AstNode, atContextRoot: boolean, onReference: (r: ExpressionReference) => void, onProblem: (p: string) => void): void {
  const visit = (child: unknown, contextRoot: boolean) => {
    if (Array.isArray(child)) child.forEach((c) => visit(c, contextRoot));
    else if (child && typeof child === 'object' && typeof (child as AstNode).type === 'string')
      walk(child as AstNode, contextRoot, onReference, onProblem);
  };
  const visitRelative = (child: unknown) => visit(child, false);

  switch (node.type as string) {
    case 'path':
      walkPath(node.steps as AstNode[], atContextRoot, visit, onReference, onProblem);
      break;
    case 'name':
      walkPath([node], atContextRoot, visit, onReference, onProblem);
      break;
    case 'wildcard':
    case 'descendant':
      if (atContextRoot) onProblem(`\`${node.value}\` cannot be used on the whole context; start from ${ROOTS.join(', ')}`);
      break;
    case 'unary':
      visit(node.value === '{' ? node.lhs : node.value === '[' ? node.expressions : node.expression, atContextRoot);
      break;
    case 'transform':
      visitRelative([node.pattern, node.update, node.delete]);
      break;
    case 'sort':
      visitRelative((node.terms as { expression: AstNode }[]).map((t) => t.expression));
      break;
    case 'filter':
      visitRelative(node.expr);
      break;
    default:
      visit(
        [
          node.lhs,
          node.rhs,
          node.expression,
          node.expressions,
          node.arguments,
          node.procedure,
          node.body,
          node.condition,
          node.then,
          node.else,
        ],
        atContextRoot,
      );
  }
  visitRelative([node.stages, node.predicate]);
  if (node.group) visitRelative((node.group as { lhs: unknown }).lhs);
}

function walkPath(
  steps: AstNode[],
  atContextRoot: boolean,
  visit: (child: unknown, contextRoot: boolean) => void,
  onReference: (r: ExpressionReference) => void,
  onProblem: (p: string) => void,
): void {
  const [first] = steps;
  const isVariable = first.type === 'variable';
  // `$$` is always the context; `$` is the context only where this path starts at the context.
  const startsWithContextVariable = isVariable && (first.value === '$' || (first.value === '' && atContextRoot));
  const readsContext = startsWithContextVariable || (!isVariable && atContextRoot);
  const rootIndex = startsWithContextVariable ? 1 : 0;
  if (readsContext && steps[rootIndex]?.type === 'name') {
    const [root, ...path] = leadingNames(steps.slice(rootIndex));
    if ((ROOTS as readonly string[]).includes(root)) onReference({ root: root as ReferenceRoot, path });
    else onProblem(`Unknown name \`${root}\`: expressions start from ${ROOTS.join(', ')}`);
  }
  steps.forEach((step, index) => {
    if (step.type === 'name') visit([step.stages, step.predicate, step.group && (step.group as { lhs: unknown }).lhs], false);
    else visit(step, readsContext && index === rootIndex);
  });
}

/** Consecutive plain name steps; a step with a filter ends the run after itself. */
function leadingNames(steps: AstNode[]): string[] {
  const names: string[] = [];
  for (const step of steps) {
    if (step.type !== 'name') break;
    names.push(String(step.value));
    if (step.stages || step.predicate) break;
  }
  return names;
}

function referenceShapeProblems({ root, path }: ExpressionReference): string[] {
  const [first, second] = path;
  if (root === 'steps') {
    if (first === undefined) return ['Name the step: `steps.<id>.outputs` or `steps.<id>.status`'];
    if (second !== undefined && !STEP_FIELDS.includes(second))
      return [`\`steps.${first}.${second}\`: a step has only \`outputs\` and \`status\``];
  }
  if (root === 'run' && first !== undefined && !RUN_FIELDS.includes(first))
    return [`\`run.${first}\`: run has only ${RUN_FIELDS.map((f) => `\`${f}\``).join(', ')}`];
  if (root === 'secrets' && first === undefined) return ['Name the secret: `secrets.NAME`'];
  return [];
}

function secretName(ast: AstNode): string | undefined {
  if (ast.type !== ('path' as string) || ast.group) return undefined;
  const steps = ast.steps as AstNode[];
  const plain = steps.length === 2 && steps.every((s) => s.type === 'name' && !s.stages && !s.predicate && !s.group);
  return plain && steps[0].value === 'secrets' ? String(steps[1].value) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Validation helper for the control plane

export interface TemplateInspection {
  template?: Template;
  expressions: CompiledExpression[];
  /** Syntax errors, unknown roots, misused secrets: messages ready for a validation report. */
  problems: string[];
}

/** Parses and compiles every expression in `text`, collecting problems instead of throwing. */
export function inspectTemplate(text: string): TemplateInspection {
  let template: Template;
  try {
    template = parseTemplate(text);
  } catch (error) {
    return { expressions: [], problems: [(error as Error).message] };
  }
  const sources = template.kind === 'whole' ? [template.source] : template.kind === 'interpolated' ? expressionSources(template) : [];
  const expressions: CompiledExpression[] = [];
  const problems: string[] = [];
  for (const source of sources) {
    const result = compileExpression(source);
    if (!result.ok) {
      problems.push(result.error);
      continue;
    }
    expressions.push(result.compiled);
    problems.push(...result.compiled.problems);
    const secretProblem = secretUsageProblem(result.compiled, template.kind === 'whole');
    if (secretProblem) problems.push(secretProblem);
  }
  return { template, expressions, problems };
}

function expressionSources(template: Extract<Template, { kind: 'interpolated' }>): string[] {
  return template.segments.flatMap((s) => (s.kind === 'expression' ? [s.source] : []));
}

function secretUsageProblem(compiled: CompiledExpression, whole: boolean): string | null {
  if (!compiled.references.some((r) => r.root === 'secrets')) return null;
  if (compiled.secret !== undefined && whole) return null;
  return 'A secret can only be used as a whole value, exactly `${{ secrets.NAME }}`: it is resolved inside the step, never in expressions';
}

/** Where a step's literal `with` holds `${{ secrets.NAME }}`: the only places the worker resolves a secret. */
export interface SecretPlacement {
  path: Array<string | number>;
  name: string;
}

/**
 * The secret references written in a step's `with`, found before its expressions are evaluated:
 * a value that only becomes `${{ secrets.NAME }}` through data (run inputs, step outputs, items)
 * must stay text, or data could make the worker open any of the tenant's secrets.
 */
export function secretPlacements(value: unknown, path: Array<string | number> = []): SecretPlacement[] {
  const name = secretReference(value);
  if (name) return [{ path, name }];
  if (Array.isArray(value)) return value.flatMap((child, index) => secretPlacements(child, [...path, index]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, child]) => secretPlacements(child, [...path, key]));
  return [];
}

/** The secret name when `value` is a whole-value `${{ secrets.NAME }}` reference, for the activity to resolve. */
export function secretReference(value: unknown): string | null {
  if (typeof value !== 'string' || !value.includes(OPEN)) return null;
  try {
    const template = parseTemplate(value);
    if (template.kind !== 'whole') return null;
    const result = compileExpression(template.source);
    return result.ok ? (result.compiled.secret ?? null) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface StepScope {
  /** An object, or for a `forEach` step an array of its items' outputs. */
  outputs: Record<string, unknown> | Array<Record<string, unknown>> | null;
  status: string;
}

export interface ExpressionContext {
  inputs: Record<string, unknown>;
  steps: Record<string, StepScope>;
  item?: unknown;
  /** `error` is set for onFailure handlers: what made the run fail. */
  run: { id: string; pipeline: string; version: number; error?: unknown };
}

/**
 * Evaluates every `${{ }}` in a JSON value (deeply). A whole-value expression keeps its JSON type
 * (undefined becomes null); interpolated ones are stringified. `${{ secrets.NAME }}` is returned
 * untouched for the activity to resolve. The expressions of one value share one budget.
 */
export async function evaluateTemplate(value: unknown, context: ExpressionContext, budget = new EvaluationBudget()): Promise<unknown> {
  if (typeof value === 'string') return evaluateString(value, context, budget);
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await evaluateTemplate(item, context, budget));
    return items;
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = await evaluateTemplate(item, context, budget);
    return result;
  }
  return value;
}

/** A step's `if`: absent means run; a string is a template whose value is tested with isTruthy. */
export async function evaluateCondition(
  condition: boolean | string | undefined,
  context: ExpressionContext,
  budget = new EvaluationBudget(),
): Promise<boolean> {
  if (condition === undefined) return true;
  if (typeof condition === 'boolean') return condition;
  return isTruthy(await evaluateString(condition, context, budget));
}

/** The code a run records for an expression that failed: `expression_budget_exceeded` or `expression_error`. */
export function expressionErrorCode(error: unknown): ExpressionError['code'] {
  return error instanceof ExpressionError ? error.code : 'expression_error';
}

/** `false`, `null`, `undefined`, `0`, `''` and `[]` are false; everything else is true. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

async function evaluateString(text: string, context: ExpressionContext, budget: EvaluationBudget): Promise<unknown> {
  const template = parseTemplate(text);
  if (template.kind === 'literal') return text;
  if (template.kind === 'whole') {
    const compiled = compileOrThrow(template.source);
    if (compiled.secret !== undefined) return text;
    return evaluateExpression(compiled, context, budget);
  }
  let result = '';
  for (const segment of template.segments) {
    result += segment.kind === 'text' ? segment.text : stringify(await evaluateExpression(compileOrThrow(segment.source), context, budget));
  }
  return result;
}

async function evaluateExpression(compiled: CompiledExpression, context: ExpressionContext, budget: EvaluationBudget): Promise<unknown> {
  if (compiled.references.some((r) => r.root === 'secrets'))
    throw new ExpressionError(`\`${compiled.source}\`: ${secretUsageProblem(compiled, false)}`);
  let result: unknown;
  try {
    result = await evaluateWithBudget(compiled.expression, context, budget);
  } catch (error) {
    const code = error instanceof ExpressionBudgetError ? error.code : 'expression_error';
    throw new ExpressionError(`\`${compiled.source}\` failed: ${describeJsonataError(error).message}`, code);
  }
  return toJsonValue(result, compiled.source);
}

/** JSONata results may be sequences (arrays with extra flags) or functions; keep plain JSON only. */
function toJsonValue(value: unknown, source: string): unknown {
  if (value === undefined || value === null) return null;
  if (isFunctionValue(value)) throw new ExpressionError(`\`${source}\` evaluated to a function, not a value`);
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item, source));
  if (typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) result[key] = toJsonValue(item, source);
    return result;
  }
  return value;
}

/** JSONata lambdas and built-ins are objects carrying these markers, not JS functions. */
function isFunctionValue(value: unknown): boolean {
  if (typeof value === 'function') return true;
  return value !== null && typeof value === 'object' && ('_jsonata_lambda' in value || '_jsonata_function' in value);
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
