/**
 * Compiling one expression source with JSONata: syntax errors with their position, hyphenated step
 * ids quoted, a bounded cache. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

import type jsonata from 'jsonata';
import { compileBounded, ExpressionBudgetError } from './budget.js';
import { ExpressionError, MAX_EXPRESSION_LENGTH } from './errors.js';
import { skipQuoted } from './template.js';
import { unknownFunctionCalls, unknownFunctionMessage } from './functions.js';
import { collectReferences, secretName, type AstNode, type ExpressionReference } from './references.js';

const COMPILE_CACHE_SIZE = 1000;

export interface CompiledExpression {
  source: string;
  expression: jsonata.Expression;
  references: ExpressionReference[];
  /** Reasons the expression can never be valid in a pipeline, e.g. an unknown root name. */
  problems: string[];
  /** The same problems, each with its 1-based character in `source` where one is known. */
  located: LocatedProblem[];
  /** Set when the expression is exactly `secrets.NAME`: the only form a secret may take. */
  secret?: string;
}

export interface LocatedProblem {
  message: string;
  /** 1-based character of the text the problem is about. */
  position?: number;
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
  const located: LocatedProblem[] = problems.map((message) => ({ message }));
  for (const call of unknownFunctionCalls(expression.ast() as AstNode)) {
    const position = rewritten.toOriginalPosition(call.position);
    located.push({ message: `${unknownFunctionMessage(call.name)} at character ${position} of \`${source}\``, position });
  }
  return {
    ok: true,
    compiled: {
      source,
      expression,
      references,
      problems: located.map((problem) => problem.message),
      located,
      secret: secretName(expression.ast() as AstNode),
    },
  };
}

/** Compiles or throws an ExpressionError carrying the syntax error. */
export function compileOrThrow(source: string): CompiledExpression {
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

export function describeJsonataError(error: unknown): { message: string; position?: number } {
  if (error && typeof error === 'object') {
    const { message, position } = error as { message?: unknown; position?: unknown };
    return {
      message: typeof message === 'string' ? message : JSON.stringify(error),
      position: typeof position === 'number' ? position : undefined,
    };
  }
  return { message: String(error) };
}
