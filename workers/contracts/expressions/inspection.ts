/**
 * Checking expressions without evaluating them: for the control plane's validator and for the
 * activity that resolves secrets. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

import { compileExpression, type CompiledExpression } from './compile.js';
import { OPEN, parseTemplate, type Template } from './template.js';

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
