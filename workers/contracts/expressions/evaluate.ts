/**
 * Evaluating `${{ }}` templates against a run's context, within an evaluation budget. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

import { EvaluationBudget, evaluateWithBudget, ExpressionBudgetError } from './budget.js';
import { compileOrThrow, describeJsonataError, type CompiledExpression } from './compile.js';
import { ExpressionError } from './errors.js';
import { secretUsageProblem } from './inspection.js';
import { isPlainObject, parseTemplate } from './template.js';

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
