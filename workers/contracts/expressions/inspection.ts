/**
 * Checking expressions without evaluating them: for the control plane's validator and for the
 * activity that resolves secrets. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

import jsonata from 'jsonata';
import { compileExpression, describeJsonataError, type CompiledExpression, type LocatedProblem } from './compile.js';
import { MAX_EXPRESSION_LENGTH } from './errors.js';
import { unknownFunctionCalls, unknownFunctionMessage } from './functions.js';
import type { AstNode } from './references.js';
import { OPEN, parseTemplate, parseTemplateWithOffsets, type Template } from './template.js';

export interface TemplateInspection {
  template?: Template;
  expressions: CompiledExpression[];
  /** Syntax errors, unknown roots, misused secrets: messages ready for a validation report. */
  problems: string[];
  /** The same problems, each with its 1-based character in the whole text where one is known. */
  located: LocatedProblem[];
}

/** Parses and compiles every expression in `text`, collecting problems instead of throwing. */
export function inspectTemplate(text: string): TemplateInspection {
  let parsed: { template: Template; starts: number[] };
  try {
    parsed = parseTemplateWithOffsets(text);
  } catch (error) {
    const message = (error as Error).message;
    const at = /at character (\d+)/.exec(message);
    return { expressions: [], problems: [message], located: [{ message, ...(at && { position: Number(at[1]) }) }] };
  }
  const { template, starts } = parsed;
  const sources = template.kind === 'whole' ? [template.source] : template.kind === 'interpolated' ? expressionSources(template) : [];
  const expressions: CompiledExpression[] = [];
  const located: LocatedProblem[] = [];
  sources.forEach((source, index) => {
    // A character of the expression, as a character of the whole text.
    const inText = (position: number | undefined) => (position === undefined ? {} : { position: starts[index] + position });
    const result = compileExpression(source);
    if (!result.ok) {
      located.push({ message: result.error, ...inText(result.position) });
      return;
    }
    expressions.push(result.compiled);
    located.push(...result.compiled.located.map((problem) => ({ message: problem.message, ...inText(problem.position) })));
    const secretProblem = secretUsageProblem(result.compiled, template.kind === 'whole');
    if (secretProblem) located.push({ message: secretProblem });
  });
  return { template, expressions, problems: located.map((problem) => problem.message), located };
}

/**
 * Problems of a plain JSONata expression, as a step input holds it (`transform/jsonata`'s
 * `expression`): its syntax, and calls to functions that do not exist. The step binds its own
 * names, so the roots it reads are not checked.
 */
export function inspectJsonata(source: string): LocatedProblem[] {
  if (source.length > MAX_EXPRESSION_LENGTH)
    return [{ message: `Expression is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}` }];
  if (source.trim() === '') return [{ message: 'Expression is empty' }];
  let ast: AstNode;
  try {
    ast = jsonata(source).ast() as AstNode;
  } catch (error) {
    const { message, position } = describeJsonataError(error);
    if (position === undefined) return [{ message: `Syntax error: ${message}` }];
    return [{ message: `Syntax error at character ${position} of \`${source}\`: ${message}`, position }];
  }
  return unknownFunctionCalls(ast).map((call) => ({
    message: `${unknownFunctionMessage(call.name)} at character ${call.position} of \`${source}\``,
    position: call.position,
  }));
}

function expressionSources(template: Extract<Template, { kind: 'interpolated' }>): string[] {
  return template.segments.flatMap((s) => (s.kind === 'expression' ? [s.source] : []));
}

export function secretUsageProblem(compiled: CompiledExpression, whole: boolean): string | null {
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
